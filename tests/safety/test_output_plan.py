"""The output plan: every rule, on every kind of output, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glovego_data.atomic import MARKER, link_or_copy, marker_command, mark_ours
from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan


def _input(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.json").write_text("[]")
    return root


@pytest.mark.parametrize("kind", ["folder", "resumable", "in_place", "file"])
@pytest.mark.parametrize("where", ["is", "inside", "holds"])
def test_an_output_is_never_an_input_inside_or_holding_one(tmp_path, kind, where):
    root = _input(tmp_path)
    out = {"is": root, "inside": root / "sub" / "out", "holds": tmp_path}[where]
    plan = getattr(OutputPlan("viz", [root]), kind)("--out", out)
    with pytest.raises(GlovegoError, match="--out"):
        plan.check()


def test_overwrite_replaces_only_what_the_same_command_made(tmp_path):
    out = tmp_path / "out"
    mark_ours(out, "split")
    (out / "x").write_text("x")
    assert marker_command(out) == "split"
    with pytest.raises(GlovegoError, match="made by `glovego split`"):
        OutputPlan("viz", [], overwrite=True).folder("--out", out).check()
    with pytest.raises(GlovegoError, match="made by `glovego split`"):
        OutputPlan("augment-gloves", []).in_place("OUT_DIR", out).check()
    with pytest.raises(GlovegoError, match="--overwrite"):
        OutputPlan("split", []).folder("OUT", out).check()
    plan = OutputPlan("split", [], overwrite=True).folder("OUT", out).check()
    with plan.staging("OUT") as stage:
        (stage / "y").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "y"] and marker_command(out) == "split"


def test_an_old_plain_text_marker_is_a_glovego_folder_of_unknown_command(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("written by glovego 0.1; --overwrite may replace this folder\n")
    (out / "x").write_text("x")
    assert marker_command(out) is None
    OutputPlan("viz", [], overwrite=True).folder("--out", out).check()
    with pytest.raises(GlovegoError, match="does not say which command made it"):
        OutputPlan("augment-gloves", []).in_place("OUT_DIR", out).check()


def test_a_user_folder_is_refused_by_every_kind(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for kind in ("folder", "resumable", "in_place"):
        with pytest.raises(GlovegoError, match="not made by glovego"):
            getattr(OutputPlan("train", [], overwrite=True), kind)("--out", out).check()
    assert (out / "notes.txt").read_text() == "mine"


def test_an_existing_file_is_replaced_only_when_asked(tmp_path):
    target = tmp_path / "plot.png"
    target.write_text("my notes")
    with pytest.raises(GlovegoError, match="plot.png: already exists"):
        OutputPlan("stats", []).file("--plot", target).check()
    assert target.read_text() == "my notes"
    plan = OutputPlan("stats", [], overwrite=True).file("--plot", target).check()
    plan.write_file("--plot", b"png")
    assert target.read_bytes() == b"png"
    with pytest.raises(GlovegoError, match="is a folder"):
        OutputPlan("stats", [], overwrite=True).file("--plot", tmp_path).check()


def test_nothing_is_written_through_an_unchecked_or_undeclared_output(tmp_path):
    plan = OutputPlan("viz", []).folder("--out", tmp_path / "out")
    with pytest.raises(RuntimeError, match="checked"):
        plan.staging("--out")
    plan.check()
    with pytest.raises(RuntimeError, match="not a declared output"):
        plan.staging("--other")
    with pytest.raises(RuntimeError, match="after the plan was checked"):
        plan.file("--plot", tmp_path / "p.png")
    assert not (tmp_path / "out").exists()


def test_a_file_writer_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")
    plan = OutputPlan("export", [], overwrite=True).file("--out", target).check()
    with pytest.raises(ValueError), plan.file_writer("--out") as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("cut")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    with plan.file_writer("--out") as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_the_marker_is_json_naming_the_command(tmp_path):
    plan = OutputPlan("eval", []).folder("--out", tmp_path / "o").check()
    with plan.staging("--out"):
        pass
    assert json.loads((tmp_path / "o" / MARKER).read_text())["command"] == "eval"


@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_a_linked_source_is_written_as_a_regular_file(tmp_path, link):
    target = tmp_path / "real.jpg"
    target.write_bytes(b"jpeg")
    src = tmp_path / "in" / "a.jpg"
    src.parent.mkdir()
    src.symlink_to(target if link == "absolute" else Path("..") / "real.jpg")
    dst = tmp_path / "out" / "a.jpg"
    link_or_copy(src, dst)
    assert not dst.is_symlink() and dst.read_bytes() == b"jpeg"


def test_a_dangling_link_is_one_line_naming_it(tmp_path):
    src = tmp_path / "a.jpg"
    src.symlink_to(tmp_path / "gone.jpg")
    with pytest.raises(GlovegoError, match=f"{src}: a symbolic link to .*gone.jpg, which does not exist"):
        link_or_copy(src, tmp_path / "out" / "a.jpg")
    assert not (tmp_path / "out" / "a.jpg").exists()
