"""The example's model and data: a small MLP over 8x8 digit images (64 pixels, 0-16), in PyTorch."""
import csv

import torch
from torch import nn

torch.set_num_threads(1)  # the real node has 2 cores, shared by every run


def read_samples(path):
    """A CSV of `p0..p63,label` rows: pixels scaled to [0, 1] as a float tensor, labels as a long one."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    pixels = torch.tensor([[float(v) for v in row[:64]] for row in rows]) / 16.0
    labels = torch.tensor([int(row[64]) for row in rows])
    return pixels, labels


def network(width):
    """64 pixels -> `width` hidden units -> 10 digits."""
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))


def save(directory, net, width, samples):
    """model.pt: the weights, the width to rebuild the network, and the samples it was trained on."""
    torch.save({"state": net.state_dict(), "width": width, "samples": samples}, directory / "model.pt")


def load(directory):
    """The saved dict of save(), or None when there is no model (a first round)."""
    path = None if directory is None else directory / "model.pt"
    if path is None or not path.is_file():
        return None
    return torch.load(path)


def rebuild(saved):
    net = network(saved["width"])
    net.load_state_dict(saved["state"])
    return net


def accuracy(net, pixels, labels):
    with torch.no_grad():
        return (net(pixels).argmax(dim=1) == labels).float().mean().item()
