"""No pickle of anything a user can replace: a `solo2coco` resume reads a JSON checkpoint, field by
field, and a `train --resume` loads the EMA from safetensors — a planted pickle never runs."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import pytest

from glovego_data.atomic import mark_ours
from glovego_data.solo.convert import ConvertOptions, convert_solo
from glovego_data.solo.generator import generate_solo
from glovego_data.solo.mapping import mapping_from_dict

sys.path.insert(0, str(Path(__file__).parent))
from safety_trees import tree_digest  # noqa: E402


class _Planted:
    """Unpickling this creates the file `self.path`: proof that the pickle ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _plant(path: Path, proof: Path) -> None:
    """A pickle in a staging folder that also carries our marker: whoever can write beside the
    output can forge that too, so the checkpoint reader itself must not run it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mark_ours(path.parent.parent)
    path.write_bytes(pickle.dumps(_Planted(proof)))


@pytest.fixture(scope="module")
def solo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_solo(tmp_path_factory.mktemp("gen") / "solo", sequences=1, steps=3, width=64, height=48, seed=5,
                         hands=(1, 1), objects=2, contact=0.7).root


def _convert(solo: Path, out: Path) -> None:
    convert_solo(solo, out, ConvertOptions(mapping=mapping_from_dict({}, "test.toml"), checkpoint_seconds=0.0))


def _dataset(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "report.json"}


@pytest.mark.parametrize("name", ["checkpoint.pkl", "checkpoint.json"])
def test_solo2coco_never_unpickles_a_checkpoint_planted_beside_the_output(solo, tmp_path, name):
    _convert(solo, tmp_path / "reference")
    out, proof = tmp_path / "out", tmp_path / "pwned"
    _plant(tmp_path / "out.tmp" / ".work" / name, proof)
    before = tree_digest(solo)
    _convert(solo, out)
    assert not proof.exists()
    assert _dataset(out) == _dataset(tmp_path / "reference")  # the planted file was ignored: a fresh run
    assert tree_digest(solo) == before


@pytest.mark.parametrize("forge", [
    lambda c: {**c, "frames_done": "1"},
    lambda c: {**c, "report": {**c["report"], "hands": None}},
    lambda c: {**c, "parts": {"images": [10]}},
    lambda c: {**c, "extra": 1},
    lambda c: [c],
])
def test_solo2coco_starts_over_from_a_forged_json_checkpoint(solo, tmp_path, forge):
    from glovego_data.solo.resume import CHECKPOINT, checkpoint_from_dict

    checkpoint = tmp_path / "out.tmp" / CHECKPOINT
    real = {"key": "k", "frames_done": 1, "inputs": "d", "parts": {"images": [10, False, "0" * 64]}, "next_image": 2,
            "next_annotation": 3, "without_depth": {"counts": {}, "examples": {}}, "seconds": 1.0,
            "report": json.loads(json.dumps(_report_json()))}
    checkpoint_from_dict(real)  # the unforged one reads back
    checkpoint.parent.mkdir(parents=True)
    mark_ours(tmp_path / "out.tmp")  # a forger can write our marker too
    checkpoint.write_text(json.dumps(forge(real)))
    with pytest.raises((TypeError, ValueError, KeyError)):
        checkpoint_from_dict(json.loads(checkpoint.read_text()))
    _convert(solo, tmp_path / "out")
    _convert(solo, tmp_path / "reference")
    assert _dataset(tmp_path / "out") == _dataset(tmp_path / "reference")


def _report_json() -> dict:
    """A small report as the checkpoint JSON holds it."""
    from glovego_data.solo.report import ConversionReport
    from glovego_data.solo.resume import checkpoint_to_dict

    report = ConversionReport(solo_dir="s", out_dir="o")
    report.gloves[1] += 2
    report.warnings.add("kind", "frame.json")
    return checkpoint_to_dict(report)


def test_checkpoint_round_trips_every_report_field():
    from glovego_data.solo.report import ConversionReport, Tally
    from glovego_data.solo.resume import Checkpoint, checkpoint_from_dict, checkpoint_to_dict

    report = ConversionReport(solo_dir="s", out_dir="o", frames_found=3, skipped=[{"frame": "a", "error": "b"}])
    report.gloves.update({1: 2, -1: 1})
    report.annotations_per_category["hand"] += 4
    report.other_labelers["kp"] = ["x"]
    report.warnings.add("kind", "f.json", 2)
    tally = Tally()
    tally.add("images without depth", "a.png")
    checkpoint = Checkpoint(key="k", frames_done=2, inputs="d", parts={"images": (10, False, "0" * 64)}, next_image=3,
                            next_annotation=5, report=report, without_depth=tally, seconds=1.5)
    assert checkpoint_from_dict(json.loads(json.dumps(checkpoint_to_dict(checkpoint)))) == checkpoint
