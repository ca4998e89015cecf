"""EXR depth: our reader and writer against each other and against OpenCV's OpenEXR codec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glovego_data.errors import GlovegoError
from glovego_data.exr import encode_exr, read_depth, read_exr, write_depth_exr, write_exr

REPO = Path(__file__).resolve().parents[2]


def _depth(height: int = 37, width: int = 53) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    depth = (0.5 + 0.01 * yy + 0.003 * xx).astype(np.float32)
    depth[5:15, 10:30] = 0.0  # no geometry
    return depth


def _run_python(code: str, flag: str) -> str:
    env = {**os.environ, "OPENCV_IO_ENABLE_OPENEXR": flag, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("compression", ["NONE", "ZIPS", "ZIP"])
def test_round_trip_float_and_half(tmp_path: Path, compression: str) -> None:
    depth = _depth()
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(depth.shape).astype(np.float32)  # incompressible: stored raw
    half = depth.astype(np.float16)
    path = tmp_path / "x.exr"
    write_exr(path, {"R": depth, "N": noise, "H": half}, compression)
    channels = read_exr(path)
    assert sorted(channels) == ["H", "N", "R"]
    assert all(c.dtype == np.float32 for c in channels.values())
    np.testing.assert_array_equal(channels["R"], depth)
    np.testing.assert_array_equal(channels["N"], noise)
    np.testing.assert_array_equal(channels["H"], half.astype(np.float32))
    assert not list(tmp_path.glob("*.tmp"))


def test_unity_depth_layout(tmp_path: Path) -> None:
    depth = _depth()
    path = tmp_path / "step0.camera.Depth.exr"
    write_depth_exr(path, depth)
    channels = read_exr(path)
    assert sorted(channels) == ["A", "B", "G", "R"]
    assert (channels["A"] == 1).all() and (channels["G"] == 0).all() and (channels["B"] == 0).all()
    np.testing.assert_array_equal(channels["R"], depth)
    np.testing.assert_array_equal(read_depth(path), depth)  # row 0 = top


def _opencv_has_exr_codec() -> bool:
    """OpenCV 4.x wheels carry OpenEXR (behind the flag); the opencv-python 5.x wheels carry none."""
    return _run_python("import cv2; print(cv2.haveImageWriter('x.exr'))", "1").strip() == "True"


needs_opencv_exr = pytest.mark.skipif(not _opencv_has_exr_codec(), reason="this OpenCV build has no EXR codec (opencv-python 5.x wheels)")


@needs_opencv_exr
def test_files_written_by_opencv_are_read(tmp_path: Path) -> None:
    code = f"""
import numpy as np, cv2
yy, xx = np.mgrid[0:37, 0:53]
d = (0.5 + 0.01 * yy + 0.003 * xx).astype(np.float32)
d[5:15, 10:30] = 0.0
for name, comp in (("none", 0), ("zips", 2), ("zip", 3), ("piz", 4)):
    for kind, typ in (("float", 2), ("half", 1)):
        cv2.imwrite(r"{tmp_path}/" + name + "_" + kind + ".exr", np.dstack([d * 0, d * 0 + 0.25, d]),
                    [cv2.IMWRITE_EXR_COMPRESSION, comp, cv2.IMWRITE_EXR_TYPE, typ])
"""
    _run_python(code, "1")
    depth = _depth()
    for name in ("none", "zips", "zip"):
        channels = read_exr(tmp_path / f"{name}_float.exr")
        assert sorted(channels) == ["B", "G", "R"]
        np.testing.assert_array_equal(channels["R"], depth)
        np.testing.assert_array_equal(channels["G"], np.full_like(depth, 0.25))
        np.testing.assert_array_equal(read_exr(tmp_path / f"{name}_half.exr")["R"], depth.astype(np.float16).astype(np.float32))
    for kind in ("float", "half"):
        with pytest.raises(GlovegoError) as err:
            read_exr(tmp_path / f"piz_{kind}.exr")
        assert str(err.value) == f"{tmp_path / f'piz_{kind}.exr'}: cannot decode EXR (unsupported compression PIZ)"


@needs_opencv_exr
def test_files_written_by_us_are_read_by_opencv(tmp_path: Path) -> None:
    depth = _depth(40, 21)
    for compression in ("NONE", "ZIPS", "ZIP"):
        write_exr(tmp_path / f"{compression}.exr", {"A": np.ones_like(depth), "B": depth * 0, "G": depth * 2, "R": depth}, compression)
    write_exr(tmp_path / "half.exr", {"R": depth.astype(np.float16), "G": depth.astype(np.float16), "B": depth.astype(np.float16)})
    code = f"""
import json, numpy as np, cv2
out = {{}}
for name in ("NONE", "ZIPS", "ZIP", "half"):
    img = cv2.imread(r"{tmp_path}/" + name + ".exr", cv2.IMREAD_UNCHANGED)
    out[name] = [list(img.shape), img[..., 2].astype(float).tolist(), img[..., 1].astype(float).tolist()]
print(json.dumps(out))
"""
    result = json.loads(_run_python(code, "1"))
    for compression in ("NONE", "ZIPS", "ZIP"):
        shape, red, green = result[compression]
        assert shape == [40, 21, 4]
        np.testing.assert_array_equal(np.array(red, dtype=np.float32), depth)
        np.testing.assert_array_equal(np.array(green, dtype=np.float32), depth * 2)
    np.testing.assert_allclose(np.array(result["half"][1]), depth, rtol=1e-3)


def test_read_depth_without_opencv_exr_uses_our_reader(tmp_path: Path) -> None:
    depth = _depth()
    write_depth_exr(tmp_path / "d.exr", depth)
    code = f"""
import numpy as np
import cv2  # imported before GlovEgo, with EXR disabled
from glovego_data.exr import opencv_reads_exr, read_depth
d = read_depth(r"{tmp_path}/d.exr")
print(opencv_reads_exr(), d.dtype, d.shape, float(d.sum()))
"""
    enabled, dtype, *_ = _run_python(code, "0").split()
    assert (enabled, dtype) == ("False", "float32")
    assert _run_python(code, "0").split()[-1] == repr(float(depth.sum()))


def test_bad_files_name_the_problem(tmp_path: Path) -> None:
    good = encode_exr({"R": _depth()}, "ZIP")
    cases = {
        "truncated.exr": good[: len(good) - 40],
        "garbage.exr": b"this is not an exr file",
        "short.exr": b"v/1",
        "header.exr": good[:30],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(GlovegoError, match=rf"^{tmp_path / name}: cannot decode EXR \(.+\)$"):
            read_exr(tmp_path / name)
        with pytest.raises(GlovegoError, match=r"cannot decode EXR"):
            read_depth(tmp_path / name)
    with pytest.raises(GlovegoError, match="not an OpenEXR file"):
        read_exr(tmp_path / "garbage.exr")
    with pytest.raises(GlovegoError, match="cannot decode EXR"):
        read_exr(tmp_path / "missing.exr")


def test_writer_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_exr(tmp_path / "x.exr", {"R": np.zeros((2, 2)), "G": np.zeros((3, 2))})
    with pytest.raises(ValueError):
        write_exr(tmp_path / "x.exr", {"R": np.zeros((2, 2))}, "PIZ")
