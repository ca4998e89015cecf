"""`glovego infer --live`: a generated video played as a stream slower and faster than the model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from glovego_cli.main import app

FRAMES = 24
SLOW_FRAMES = 8  # played at 2 FPS: the CI-size model takes ~0.1 s a frame, so even a loaded machine keeps up


def make_clip(path: Path, frames: int) -> Path:
    """`frames` frames of 160×120 MJPEG, each with its index drawn in, at 25 FPS."""
    from glovego_data._cv2 import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 120))
    rng = np.random.default_rng(0)
    for i in range(frames):
        frame = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
        cv2.putText(frame, str(i), (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("live") / "clip.avi", FRAMES)


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _check(lines: list[dict]) -> None:
    frames = [line["frame"] for line in lines]
    assert frames == sorted(set(frames)), "a frame was processed twice or out of order"
    stamps = [line["timestamp"] for line in lines]
    assert all(a < b for a, b in zip(stamps, stamps[1:]))
    assert all(line["latency_ms"] > 0 and isinstance(line["hands"], list) for line in lines)


def test_live_slower_than_the_model_processes_every_frame(run_onnx, tmp_path):
    """At 2 FPS the CI-size model keeps up: every frame processed once, none dropped, MJPEG written."""
    clip = make_clip(tmp_path / "slow.avi", SLOW_FRAMES)
    out, video = tmp_path / "hands.jsonl", tmp_path / "drawn.avi"
    result = CliRunner().invoke(app, ["infer", "--weights", str(run_onnx), "--device", "cpu", "--live", str(clip),
                                      "--fps", "2", "--out", str(out), "--video-out", str(video)])
    assert result.exit_code == 0, result.output
    lines = _lines(out.read_text())
    _check(lines)
    assert [line["frame"] for line in lines] == list(range(SLOW_FRAMES))
    assert lines[1]["timestamp"] == pytest.approx(1 / 2)
    assert f"{SLOW_FRAMES} frames processed, 0 dropped of {SLOW_FRAMES} read" in " ".join(result.output.split())
    from glovego_data._cv2 import cv2

    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == SLOW_FRAMES
    capture.release()


def test_live_faster_than_the_model_drops_and_counts(run_onnx, clip, tmp_path):
    """At 2000 FPS the reader outruns the model: frames are skipped, counted, and none is processed twice."""
    result = CliRunner().invoke(app, ["infer", "--weights", str(run_onnx), "--device", "cpu", "--live", str(clip),
                                      "--fps", "2000"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    _check(lines)
    text = " ".join(result.output.split())
    processed = int(text.split(" frames processed")[0].split()[-1])
    dropped = int(text.split(" dropped of")[0].split()[-1])
    assert processed == len(lines) and dropped > 0 and processed + dropped == FRAMES


def test_live_source_errors_are_one_line(run_onnx, tmp_path):
    result = CliRunner().invoke(app, ["infer", "--weights", str(run_onnx), "--live", str(tmp_path / "none.avi")])
    assert result.exit_code == 1 and "no such video file" in result.output
    result = CliRunner().invoke(app, ["infer", "--weights", str(run_onnx), "--live", "7"])
    assert result.exit_code == 1 and "cannot open" in result.output


@pytest.mark.slow
def test_sigint_leaves_a_complete_last_line_and_exits_130(run_onnx, clip, tmp_path):
    out = tmp_path / "hands.jsonl"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "glovego_cli.main", "infer", "--weights", str(run_onnx),
                                "--device", "cpu", "--live", str(clip), "--fps", "3", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 2):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    text = out.read_text()
    assert text.endswith("\n")
    lines = _lines(text)
    assert len(lines) >= 2
    _check(lines)
    assert "stopped by Ctrl-C" in " ".join(stderr.split())


def test_a_stream_that_drops_out_exits_3(run_onnx, clip, tmp_path):
    """A URL source (here `file://`, which OpenCV opens like a stream: no pacing, no end of file)
    that stops giving frames is a drop-out: one clear line and exit 3, every line before it complete."""
    out = tmp_path / "hands.jsonl"
    result = CliRunner().invoke(app, ["infer", "--weights", str(run_onnx), "--device", "cpu", "--live",
                                      f"file://{clip}", "--out", str(out)])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "dropped out (use --reconnect to wait for it)" in text
    _check(_lines(out.read_text()))
