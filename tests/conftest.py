"""Test-wide settings: pinned threads, no network, shared fixture paths."""

from __future__ import annotations

import os
import socket
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def _pin_torch_threads() -> None:
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


_pin_torch_threads()


class _NoNetwork(socket.socket):
    """A socket that refuses every connection outside this machine: tests must never download."""

    def connect(self, address):  # type: ignore[override]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return super().connect(address)
        if self.family == socket.AF_UNIX:
            return super().connect(address)
        raise OSError(f"network access is disabled in tests (tried {address!r})")


socket.socket = _NoNetwork  # type: ignore[misc]


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """`../shared/fixtures`: real SOLO samples and hand photos (see its SOURCES.md)."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def hand_biased_detector(tmp_path_factory) -> Path:
    """A random CI-size detector (classes box, tool, hand) saved with save_pretrained, whose hand
    class wins on some queries, so both hands and objects come out of it."""
    import torch

    from glovego_model.modeling import build_model

    path = tmp_path_factory.mktemp("model") / "tiny"
    model = build_model(["box", "tool", "hand"], size="ci", seed=0, contact_modality="rgb", image_size=[96, 96])
    with torch.no_grad():
        for head in (model.class_embed[-1], model.model.decoder.class_embed[-1]):
            head.bias[2] = head.bias[:2].max() + 0.2
    model.save_pretrained(path)
    return path
