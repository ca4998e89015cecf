"""`kill -9` of a `solo2coco --workers N` parent leaves no worker alive (glovego_data/worker_lifetime.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from glovego_data.solo.generator import generate_solo

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process parents from /proc")

# The real conversion with 2 workers; the parent stops (as if busy) once the first frame is written.
PARENT = textwrap.dedent("""
    import sys, time
    from glovego_data.solo.convert import ConvertOptions, convert_solo
    from glovego_data.solo.mapping import mapping_from_dict

    def progress(label, total):
        def advance(n):
            if n:
                print("converting", flush=True)
                time.sleep(600)
        return advance

    convert_solo(sys.argv[1], sys.argv[2], ConvertOptions(mapping=mapping_from_dict({}, "t.toml"), workers=2,
                 chunk_size=1), progress=progress)
""")


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_die_with_a_killed_parent(tmp_path):
    solo = generate_solo(tmp_path / "solo", sequences=1, steps=6, width=48, height=32, seed=1, hands=(1, 1), objects=1).root
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(solo), str(tmp_path / "out")], stdout=subprocess.PIPE,
                              env={**os.environ, "OMP_NUM_THREADS": "1"}, text=True)
    workers: list[int] = []
    try:
        assert parent.stdout.readline().strip() == "converting"
        workers = _children(parent.pid)
        assert len(workers) == 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)]
    finally:
        parent.kill()
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)


def test_the_watchdog_alone_ends_a_worker_whose_parent_died():
    """Without the kernel signal (not Linux), the parent-pid watchdog still ends the worker."""
    script = textwrap.dedent("""
        import os, sys, time
        from glovego_data import worker_lifetime
        worker_lifetime._kernel_death_signal = lambda: None
        parent = os.getpid()
        if os.fork() == 0:
            worker_lifetime.die_with_parent(parent)
            print(os.getpid(), flush=True)
        time.sleep(600)
    """)
    forker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    worker = None
    try:
        worker = int(forker.stdout.readline())
        assert _alive(worker)
        os.kill(forker.pid, signal.SIGKILL)
        forker.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        forker.kill()
        if worker is not None and _alive(worker):
            os.kill(worker, signal.SIGKILL)
