"""Aggregate: FedAvg, the average of the trainers' models weighted by the samples each trained on.

Inputs: `model-*` (one per trainer). Output: `model` (model.pt, with the total sample count).
"""
import digits
import tessera_run as run

models = [digits.load(d) for d in run.input_dirs("model")]
models = [m for m in models if m]
if not models:
    raise SystemExit("no model-* inputs under /tessera/inputs")
total = sum(m["samples"] for m in models)
average = {
    name: sum(m["state"][name] * (m["samples"] / total) for m in models)
    for name in models[0]["state"]
}
net = digits.network(models[0]["width"])
net.load_state_dict(average)
digits.save(run.output_dir("model"), net, models[0]["width"], total)
print(f"averaged {len(models)} models over {total} samples: {[m['samples'] for m in models]}")
