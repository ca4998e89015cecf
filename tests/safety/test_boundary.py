"""`cli/errors.run_guarded`, the one boundary: OS faults, corrupt files and Ctrl-C become one line."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
import typer

from safety_kit import World, cli, one_line
from glovego_cli import errors as boundary
from glovego_data.errors import GlovegoError, Interrupted


def _guarded(capsys, error: BaseException) -> tuple[int, str]:
    def job():
        raise error

    with pytest.raises(typer.Exit) as exit_:
        boundary.run_guarded("cmd", job)
    return exit_.value.exit_code, " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("error, expected", [
    (OSError(errno.EROFS, "Read-only file system", "/o/x.json"),
     "cmd: /o/x.json: read-only file system; choose an output folder you can write to"),
    (OSError(errno.ENOSPC, "No space left on device", "/o/x.json"),
     "cmd: /o/x.json: no space left on the device; free some space and run the same command again"),
    (PermissionError(errno.EACCES, "Permission denied", "/o"), "cmd: /o: permission denied"),
    (OSError(errno.ENOSPC, "No space left on device", "/in/a.png", None, "/o/a.png"),
     "cmd: /o/a.png: no space left on the device; free some space and run the same command again"),
    (GlovegoError("a.json: image 3: file not found"), "cmd: a.json: image 3: file not found"),
])
def test_faults_become_one_line_and_exit_1(capsys, error, expected):
    assert _guarded(capsys, error) == (1, expected)


def test_ctrl_c_exits_130_with_one_line(capsys):
    assert _guarded(capsys, KeyboardInterrupt()) == (130, "cmd: interrupted")
    assert _guarded(capsys, Interrupted("interrupted; run again to resume")) == (130, "cmd: interrupted; run again to resume")


def test_ctrl_c_in_a_command(world: World, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("glovego_pipelines.viz.run_viz", interrupted)
    result = cli("viz", world.data, "--out", world.root / "viz")
    assert result.exit_code == 130
    assert one_line(result) == "viz: interrupted"


def test_a_programming_error_is_not_hidden(capsys):
    with pytest.raises(ZeroDivisionError):
        boundary.run_guarded("cmd", lambda: 1 / 0)


def test_a_truncated_checkpoint_is_named(world: World, tiny_detector: Path, tmp_path: Path):
    weights = tmp_path / "truncated"
    shutil.copytree(tiny_detector, weights)
    tensors = weights / "model.safetensors"
    tensors.write_bytes(tensors.read_bytes()[:1000])
    result = cli("infer", "--weights", weights, world.json, "--out", world.root / "o", "--device", "cpu")
    assert result.exit_code == 1
    assert one_line(result) == (f"infer: {tensors}: not a whole safetensors file, truncated or damaged (Error while "
                                "deserializing header: invalid header length)")


def test_an_undecodable_image_is_named(world: World):
    image = world.data / "images" / "camera_1.png"
    image.write_bytes(b"not a png")
    result = cli("viz", world.data, "--out", world.root / "o")
    assert result.exit_code == 1
    assert one_line(result) == f"viz: {image}: not a readable image (cannot identify image file '{image}')"


def test_every_command_goes_through_the_boundary():
    import inspect

    from glovego_cli.commands import MODULES

    for module in MODULES:
        assert "run_guarded(" in inspect.getsource(module), module.__name__
