"""Property: for every command that reads a dataset, file names that leave the dataset (absolute,
`../`, hidden `..` in a nested name) are refused with one line, and every file outside the output
folder stays byte-identical."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from safety_kit import OUTSIDE_NAMES, World, cli, one_line
from trees import Unchanged

COMMANDS = {
    "augment-gloves": lambda w, out, det: ("augment-gloves", w.data, out, "--backend", "classical"),
    "viz": lambda w, out, det: ("viz", w.data, "--out", out),
    "infer": lambda w, out, det: ("infer", "--weights", det, w.json, "--out", out, "--device", "cpu"),
    "eval": lambda w, out, det: ("eval", "--gt", w.json, "--weights", det, "--out", out, "--device", "cpu"),
    "train": lambda w, out, det: ("train", "--config", "ci_tiny", "--train-json", w.json, "--output-dir", out,
                                  "--max-steps", 1),
    "split": lambda w, out, det: ("split", "--real", w.data, "--real-json", w.json, "--out", out),
    "validate": lambda w, out, det: ("validate", w.json),
}


@pytest.mark.parametrize("kind", sorted(OUTSIDE_NAMES))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_outside_file_names_change_nothing_outside_the_output(world: World, tiny_detector: Path, command: str,
                                                               kind: str):
    name = world.poison(kind)
    out = world.root / "out"
    with Unchanged(world.root, skip=(out,)):
        result = cli(*COMMANDS[command](world, out, tiny_detector))
    assert result.exit_code == 1
    if command != "validate":  # validate lists every violation, one per line, then its summary
        line = one_line(result)
        assert line.startswith(f"{command}: ") and f"'{name}'" in line
    else:
        assert f"file_name '{name}' " in result.output and "it must name a file inside images/" in result.output
    assert not out.exists() or command == "train"


@pytest.mark.parametrize("kind", sorted(OUTSIDE_NAMES))
def test_solo_filenames_outside_the_export_change_nothing(tmp_path: Path, solo_template: Path, kind: str):
    solo = tmp_path / "solo"
    shutil.copytree(solo_template, solo)
    (tmp_path / "secret.png").write_bytes((sorted(solo.rglob("*.png"))[0]).read_bytes())
    frame = sorted(solo.rglob("step1.frame_data.json"))[0]
    raw = json.loads(frame.read_text())
    world = World(tmp_path)  # only for its secret path: SOLO names are relative to the sequence folder
    raw["captures"][0]["filename"] = {"absolute": str(world.secret), "dotdot": "../../secret.png",
                                      "nested": "x/../../../secret.png"}[kind]
    frame.write_text(json.dumps(raw))
    out = tmp_path / "coco"
    with Unchanged(tmp_path, skip=(out,)):
        result = cli("solo2coco", solo, out)
    assert result.exit_code == 1
    assert f"filename '{raw['captures'][0]['filename']}'" in one_line(result)
    assert not out.exists()
