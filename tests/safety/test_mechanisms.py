"""The shared mechanisms on their own: the path rule, the output guard, the marker, link_or_copy."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from safety_kit import World, cli, one_line
from glovego_data.atomic import MARKER, claim_output_dir, link_or_copy, remove_ours, staging_dir
from glovego_data.errors import GlovegoError
from glovego_data.paths import check_output, outside_reason, resolve_inside
from trees import Unchanged


@pytest.mark.parametrize("name, bare, reason", [
    ("a.png", True, None), ("sub/a.png", False, None), ("sub/a.png", True, "must be a bare file name"),
    ("/etc/passwd", False, "is an absolute path"), ("C:/x.png", False, "is an absolute path"),
    ("../a.png", False, "leaves its folder ('..', '.' or an empty part)"),
    ("a/../../b", False, "leaves its folder ('..', '.' or an empty part)"),
    ("./a.png", False, "leaves its folder ('..', '.' or an empty part)"),
    ("a//b", False, "leaves its folder ('..', '.' or an empty part)"),
    ("..\\a.png", False, "contains a backslash"), ("a\x00.png", False, "contains a NUL byte"),
    ("", False, "must be a non-empty string"), (None, False, "must be a non-empty string"),
    (7, False, "must be a non-empty string"),
])
def test_outside_reason(name, bare, reason):
    assert outside_reason(name, bare=bare) == reason


def test_resolve_inside_names_the_record(tmp_path: Path):
    assert resolve_inside(tmp_path, "x/y.png", what="r") == tmp_path / "x" / "y.png"
    with pytest.raises(GlovegoError) as error:
        resolve_inside(tmp_path, "../y.png", what="a.json: image 3: file_name")
    assert str(error.value) == (f"a.json: image 3: file_name '../y.png' leaves its folder ('..', '.' or an empty "
                                f"part); it must name a file inside {tmp_path}")


def test_check_output_sees_through_symlinks(tmp_path: Path):
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    alias = tmp_path / "alias"
    alias.symlink_to(data)
    check_output(tmp_path / "elsewhere", [data])
    for out, relation in ((alias, "is the input"), (tmp_path, "holds the input"), (alias / "images", "is inside the input")):
        with pytest.raises(GlovegoError, match=relation):
            check_output(out, [data, None])


def test_staging_replaces_only_our_folders(tmp_path: Path):
    final = tmp_path / "out"
    with staging_dir(final) as stage:
        (stage / "a.txt").write_text("1")
    assert (final / MARKER).is_file()
    with staging_dir(final, replace=True) as stage:  # ours: replaced
        (stage / "a.txt").write_text("2")
    assert (final / "a.txt").read_text() == "2"
    (final / MARKER).unlink()
    with pytest.raises(GlovegoError, match="was not made by glovego"), Unchanged(tmp_path):
        with staging_dir(final, replace=True):
            pass
    empty = tmp_path / "empty"
    empty.mkdir()
    with staging_dir(empty, replace=True) as stage:  # an empty folder loses nothing
        (stage / "b.txt").write_text("b")
    assert (empty / "b.txt").is_file()


def test_staging_never_touches_a_users_old_folder(tmp_path: Path):
    final = tmp_path / "out"
    with staging_dir(final):
        pass
    users_old = tmp_path / "out.old"
    users_old.mkdir()
    (users_old / "keep.txt").write_text("mine")
    with Unchanged(tmp_path, skip=(final,)):
        with staging_dir(final, replace=True):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.old"]


def test_staging_reuses_only_its_own_folder(tmp_path: Path):
    final = tmp_path / "out"
    users = tmp_path / "out.tmp"
    users.mkdir()
    (users / "x").write_text("mine")
    with pytest.raises(GlovegoError, match="is in the way of the staging folder"), Unchanged(tmp_path):
        with staging_dir(final, reuse=True):
            pass


def test_claim_and_remove_refuse_a_users_folder(tmp_path: Path):
    users = tmp_path / "users"
    users.mkdir()
    (users / "x").write_text("mine")
    with Unchanged(tmp_path):
        for action in (claim_output_dir, remove_ours):
            with pytest.raises(GlovegoError, match="was not made by glovego"):
                action(users)
    claim_output_dir(tmp_path / "new")
    assert (tmp_path / "new" / MARKER).is_file()
    remove_ours(tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_augment_refuses_a_users_non_empty_out_dir(world: World):
    out = world.root / "users"
    out.mkdir()
    (out / "paper.pdf").write_text("mine")
    with Unchanged(world.root):
        result = cli("augment-gloves", world.data, out, "--backend", "classical", "--restart")
    assert result.exit_code == 1
    assert one_line(result) == (f"augment-gloves: {out}: already exists, is not empty and was not made by glovego "
                                f"(no {MARKER} in it); it is left alone: move it away or choose another output folder")


def test_demo_overwrite_refuses_a_users_folder(tmp_path: Path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "photos.zip").write_text("mine")
    with Unchanged(tmp_path):
        result = cli("demo", "--out", out, "--overwrite")
    assert result.exit_code == 1
    assert "was not made by glovego" in one_line(result)


def test_a_cut_short_copy_leaves_no_partial_file(tmp_path: Path, monkeypatch):
    source = tmp_path / "a.png"
    source.write_bytes(b"x" * 100)
    dst = tmp_path / "out" / "a.png"

    def no_link(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def half_copy(src, dst):
        Path(dst).write_bytes(b"x" * 10)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(shutil, "copyfile", half_copy)
    with pytest.raises(OSError) as error:
        link_or_copy(source, dst)
    assert error.value.errno == errno.ENOSPC and error.value.filename == str(dst)
    assert list((tmp_path / "out").iterdir()) == []
