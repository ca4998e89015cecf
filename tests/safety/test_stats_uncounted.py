"""`stats` counts nothing it cannot place: annotations on image ids the file does not list are
reported apart (not as hands or objects), and invalid attribute values are counted as `invalid`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from glovego_data.toy_scenes import generate_toy_dataset

sys.path.insert(0, str(Path(__file__).parent))
from safety_trees import tree_digest  # noqa: E402


def test_stats_reports_orphan_annotations_and_invalid_attributes(tmp_path):
    from glovego_cli.main import app

    root = tmp_path / "pkg" / "real"
    generate_toy_dataset(root, 3, size=(64, 48), seed=1, synthetic=False, split="all")
    path = root / "annotations" / "all.json"
    data = json.loads(path.read_text())
    clean = json.loads(json.dumps(data))
    hands = [a for a in data["annotations"] if "hand_side" in a]
    objects = [a for a in data["annotations"] if "hand_side" not in a]
    hands[0]["gloves"] = "yes"
    orphan = dict(objects[0], id=999, image_id=12345)
    data["annotations"].append(orphan)
    path.write_text(json.dumps(data))
    before = tree_digest(tmp_path)
    result = CliRunner().invoke(app, ["stats", str(tmp_path / "pkg"), "--json"])
    assert result.exit_code == 0, result.output
    assert tree_digest(tmp_path) == before
    text = result.output
    counts = json.loads(text[text.index("{"): text.rindex("}") + 1])["roots"]["real"]["splits"]["all"]
    assert counts["objects"] == len(objects) and counts["hands"] == len(hands)
    assert counts["annotations_without_image"] == 1
    gloves = counts["attributes"]["gloves"]
    assert gloves["invalid"] == 1 and sum(gloves.values()) == len(hands)
    assert ("stats: real/annotations/all.json: 1 annotation(s) on image ids not in images (not counted; "
            "glovego validate lists them)") in text
    assert "stats: real/annotations/all.json: 1 hand(s) with an invalid gloves (not -1, 0 or 1; counted as invalid)" in text
    assert clean["annotations"] != data["annotations"]
