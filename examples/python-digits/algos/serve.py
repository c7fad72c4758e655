"""Serve: a Predictor's server. POST /predict {"pixels": [64 numbers, 0-16]} -> {"digit": d, ...};
{"images": [[64], ...]} -> {"digits": [...]}. GET /healthz answers 200 once the model is loaded.

The model is model.pt in TESSERA_MODEL_DIR; the port is PORT (the Predictor's, 8080 by default).
"""
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

import digits
import tessera_run as run

saved = digits.load(run.model_dir())
if not saved:
    raise SystemExit(f"no model.pt in {run.model_dir()}")
net = digits.rebuild(saved).eval()
model_id = f"width {saved['width']}, {saved['samples']} samples"


def classify(images):
    with torch.no_grad():
        probabilities = torch.softmax(net(torch.tensor(images, dtype=torch.float32) / 16.0), dim=1)
    return probabilities.argmax(dim=1).tolist(), probabilities.max(dim=1).values.tolist()


def answer(request):
    if "images" in request:
        found, _ = classify(request["images"])
        return {"digits": found, "model": model_id}
    found, confidence = classify([request["pixels"]])
    return {"digit": found[0], "confidence": round(confidence[0], 4), "model": model_id}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the peer's
    # delayed ACK (about 40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200, {"ok": True, "model": model_id}) if self.path == "/healthz" else self.reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/predict":
            return self.reply(404, {"error": "POST /predict"})
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            self.reply(200, answer(request))
        except (ValueError, KeyError, TypeError, RuntimeError) as error:
            self.reply(400, {"error": str(error)})

    def log_message(self, *args):
        pass  # one line per request would drown the pod's log


server = ThreadingHTTPServer(("", run.port()), Handler)


def drain(*_):
    # A rollout's old pod gets SIGTERM while requests may still be routed to it (endpoints update a
    # moment later): keep answering for a few seconds, then stop.
    threading.Timer(5.0, server.shutdown).start()


signal.signal(signal.SIGTERM, drain)
print(f"serving {model_id} on :{run.port()}", flush=True)
server.serve_forever()
