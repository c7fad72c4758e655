"""Train: a few local epochs of SGD on this organization's data/train.csv, from the last average.

Inputs: `data` (the Dataset: train.csv), `model` (optional: the last aggregated model; absent in a
first round, where every trainer starts from the same seeded weights, as FedAvg needs).
Output: `model` (model.pt). Parameters: lr, width, epochs, batch, seed.
"""
import torch
from torch import nn

import digits
import tessera_run as run

p = run.params({"lr": 0.1, "width": 32, "epochs": 2, "batch": 32, "seed": 0})
width = int(p["width"])
pixels, labels = digits.read_samples(run.input_dir("data") / "train.csv")
start = digits.load(run.input_dir("model"))
torch.manual_seed(int(p["seed"]))
net = digits.rebuild(start) if start else digits.network(width)
if start:
    width = start["width"]

optimizer = torch.optim.SGD(net.parameters(), lr=float(p["lr"]), momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(int(p["epochs"])):
    order = torch.randperm(len(labels))
    for i in range(0, len(labels), int(p["batch"])):
        batch = order[i : i + int(p["batch"])]
        optimizer.zero_grad()
        loss_fn(net(pixels[batch]), labels[batch]).backward()
        optimizer.step()

digits.save(run.output_dir("model"), net, width, len(labels))
print(f"trained width {width} on {len(labels)} samples for {p['epochs']} epochs at lr {p['lr']}: "
      f"train accuracy {digits.accuracy(net, pixels, labels):.4f}")
