"""Where a Tessera run finds its files: the whole contract between Tessera and an algorithm.

Tessera runs an Algo's command in a container with its code at /tessera/code. Every input the task
names (a Dataset, a model another task wrote) is a directory /tessera/inputs/<name>; every output it
declares is a directory /tessera/outputs/<name> that is committed as a file set when the run
succeeds. A metrics.json in an output (a JSON object of numbers) becomes the plan's leaderboard and
a search's objective. Parameters (a search trial's, or a task's `params`) are one JSON object in
/tessera/params.json, or in the TESSERA_PARAMS environment variable where that file is not written.
A Predictor's server finds its model in TESSERA_MODEL_DIR and listens on PORT.

Set TESSERA_ROOT to run an algorithm by hand against a local directory laid out the same way.
This module is the example's, not a framework: copy it, or read the paths above and skip it.
"""
import json
import os
from pathlib import Path

ROOT = Path(os.environ.get("TESSERA_ROOT", "/tessera"))


def input_dir(name):
    """The directory of input `name`, or None when the task did not give it (an optional input)."""
    path = ROOT / "inputs" / name
    return path if path.is_dir() else None


def input_dirs(prefix):
    """Every input whose name starts with `prefix` (an aggregation's `model-<trainer>` inputs), sorted."""
    inputs = ROOT / "inputs"
    if not inputs.is_dir():
        return []
    return sorted(p for p in inputs.iterdir() if p.is_dir() and p.name.startswith(prefix))


def output_dir(name):
    """The directory of output `name`, created: everything written here is committed."""
    path = ROOT / "outputs" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def params(defaults=None):
    """The run's parameters over `defaults`: /tessera/params.json, else $TESSERA_PARAMS (an empty
    file or variable counts as none: a task without parameters)."""
    merged = dict(defaults or {})
    file = ROOT / "params.json"
    text = file.read_text().strip() if file.is_file() else ""
    text = text or os.environ.get("TESSERA_PARAMS", "").strip()
    if text:
        merged.update(json.loads(text))
    return merged


def write_metrics(output, metrics):
    """Writes `metrics` (name -> number) as metrics.json in output `output`."""
    path = output_dir(output) / "metrics.json"
    path.write_text(json.dumps(metrics, indent=2) + "\n")
    return path


def model_dir():
    """A Predictor's model: $TESSERA_MODEL_DIR (the pod's /tessera/inputs/model)."""
    return Path(os.environ.get("TESSERA_MODEL_DIR", str(ROOT / "inputs" / "model")))


def port():
    """The port a Predictor's server listens on: $PORT (8080 by default, as the Predictor's)."""
    return int(os.environ.get("PORT", "8080"))
