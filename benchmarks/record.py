"""What every benchmark writes beside its table: the figures as JSON, with the machine's load.

Machines here are noisy, so a figure is only worth its load: each result file records the load
averages before and after the run and the core count, and `loaded` says whether the 1-minute load
went above the cores at either moment. A benchmark prints `load_note(...)` under its table, and a
loaded run is flagged in every README table generated from its file (`benchmarks/readme_tables.py`).

    from record import Run
    run = Run("export")                # samples the load now
    ...                                # measure
    path = run.write({"rows": rows})   # samples the load again; benchmarks/results/export.json
    print(run.note())
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
"""Where result files live (committed: the README's performance tables are generated from them)."""


def machine_load() -> dict[str, Any]:
    """The load averages (1, 5, 15 min) and the number of cores this process may use."""
    one, five, fifteen = os.getloadavg()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return {"load_1m": round(one, 2), "load_5m": round(five, 2), "load_15m": round(fifteen, 2), "cores": cores}


def machine() -> dict[str, Any]:
    """Which machine and software produced a figure."""
    import numpy

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


class Run:
    """One benchmark run: its load at the start and the end, and the file it writes."""

    def __init__(self, name: str, *, results_dir: str | os.PathLike[str] | None = None) -> None:
        self.name = name
        self.results_dir = Path(results_dir) if results_dir is not None else RESULTS
        self.started = _dt.datetime.now(_dt.timezone.utc)
        self.load_before = machine_load()
        self.load_after: dict[str, Any] | None = None

    @property
    def loaded(self) -> bool:
        """True when the 1-minute load exceeded the cores at the start or the end of the run."""
        samples = [self.load_before] + ([self.load_after] if self.load_after else [])
        return any(s["load_1m"] > s["cores"] for s in samples)

    def note(self) -> str:
        """One line for under a table: the load, and a warning when the figures were taken loaded."""
        after = self.load_after or machine_load()
        text = (f"load (1 min) {self.load_before['load_1m']} before, {after['load_1m']} after, "
                f"on {after['cores']} cores")
        if self.loaded:
            text += " — LOADED: the machine was busier than its cores; ratios only, rerun on a quiet machine"
        return text

    def write(self, figures: dict[str, Any], *, name: str | None = None) -> Path:
        """Write `results/<name>.json` (figures + machine + load) atomically and return its path."""
        self.load_after = machine_load()
        payload = {
            "benchmark": name or self.name,
            "date": self.started.isoformat(timespec="seconds"),
            "machine": machine(),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "loaded": self.loaded,
            "figures": figures,
        }
        self.results_dir.mkdir(parents=True, exist_ok=True)
        path = self.results_dir / f"{name or self.name}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


def read(name: str, *, results_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """A result file as written by `Run.write`."""
    folder = Path(results_dir) if results_dir is not None else RESULTS
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
