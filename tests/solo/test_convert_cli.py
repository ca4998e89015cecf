"""`glovego solo2coco` through the real CLI: report table, exit codes, one-line errors, mapping checked first."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.solo.generator import generate_solo


def test_cli_converts_and_prints_the_report(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=1, steps=2, width=160, height=120, seed=1)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solo2coco", str(gen.root), str(out), "--workers", "1", "--name", "train",
                                      "--depth-range", "3.0", "--mask-format", "rle"])
    assert result.exit_code == 0, result.output
    assert "frames found" in result.output and "EHOIs" in result.output
    data = json.loads((out / "annotations" / "train.json").read_text())
    assert data["info"]["ehoi"]["depth"]["range_m"] == 3.0 and data["info"]["ehoi"]["segmentation"] == "rle"
    assert (out / "annotations" / "train_hands.json").is_file()
    report = json.loads((out / "report.json").read_text())
    assert report["frames"] == {"found": 2, "converted": 2, "skipped": 0, "resumed": 0}


def test_cli_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=1, steps=1, width=96, height=72, seed=1)
    (gen.root / gen.frames[0].frame_json).write_text("{")
    result = CliRunner().invoke(app, ["solo2coco", str(gen.root), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"solo2coco: {gen.frames[0].frame_json}: not valid JSON (" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_cli_mapping_error_before_any_frame(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[contact]\nmode = "psychic"\n')
    result = CliRunner().invoke(app, ["solo2coco", str(tmp_path / "nowhere"), str(tmp_path / "out"), "--mapping", str(mapping)])
    assert result.exit_code == 1
    assert f"solo2coco: mapping {mapping}: contact.mode: 'psychic' must be one of auto, metadata, geometry, none" in " ".join(result.output.split())
