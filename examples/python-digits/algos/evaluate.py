"""Evaluate: the model's accuracy and loss on held-out data/test.csv, written to metrics.json.

Inputs: `data` (test.csv), `model`. Output: `performance` (metrics.json, the leaderboard's row).
"""
import torch
from torch import nn

import digits
import tessera_run as run

pixels, labels = digits.read_samples(run.input_dir("data") / "test.csv")
saved = digits.load(run.input_dir("model"))
if not saved:
    raise SystemExit("no model under /tessera/inputs/model")
net = digits.rebuild(saved)
with torch.no_grad():
    loss = nn.CrossEntropyLoss()(net(pixels), labels).item()
metrics = {"accuracy": round(digits.accuracy(net, pixels, labels), 4), "loss": round(loss, 4)}
run.write_metrics("performance", metrics)
print(f"accuracy {metrics['accuracy']} loss {metrics['loss']} on {len(labels)} held-out samples")
