"""Worker processes that die with their parent: a `kill -9` of the parent must not leave workers
running (re-parented to PID 1) that could race a restart on the same staging folder.

Linux: the kernel sends the worker SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG).
Everywhere: a watchdog thread ends the worker once its parent process id changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a worker; `parent_pid` is `os.getpid()` of the process that started it."""
    if sys.platform.startswith("linux"):
        _kernel_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _kernel_death_signal() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no usable libc: the watchdog still ends the worker
        pass


def _watch(parent_pid: int) -> None:
    event = threading.Event()
    while not event.wait(WATCH_SECONDS):
        if os.getppid() != parent_pid:
            os._exit(1)
