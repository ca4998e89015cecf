"""label export / import without a server: exact round trip of every field through Label
Studio's result format, the uncertain-frame selection, and every bad input named by task and region."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glovego_data.label_studio.select import frame_certainty, least_certain

from .fixtures import SAMPLE, every_field_root
from .helpers import as_submitted, differences, glovego, records


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    base = tmp_path_factory.mktemp("label_files")
    generated = every_field_root(base / "generated")
    result = glovego("label", "export", SAMPLE, generated, "--out", base / "tasks")
    assert result.exit_code == 0, result.output
    tasks = json.loads((base / "tasks" / "tasks.json").read_text())
    return base, generated, tasks


def _import(base: Path, tasks: list, name: str, *extra: str):
    export = base / f"{name}.json"
    export.write_text(json.dumps(tasks))
    return glovego("label", "import", export, "--config", base / "tasks" / "label_config.xml",
                   "--images", base / "tasks" / "images", "--out", base / name, *extra)


def test_round_trip_of_every_field_without_changes(exported) -> None:
    base, generated, tasks = exported
    result = _import(base, as_submitted(tasks), "back", "--allow-incomplete")
    assert result.exit_code == 0, result.output
    got = records(base / "back" / "annotations" / "all.json")
    for source in (SAMPLE, generated):
        want = records(source)
        ids = {img["id"] for img in want["images"]}
        assert [i for i in got["images"] if i["id"] in ids] == want["images"]
        assert differences(want["annotations"], [a for a in got["annotations"] if a["image_id"] in ids]) == []
        assert got["categories"] == want["categories"]
    assert glovego("validate", base / "back").exit_code == 0


def test_hand_without_side_needs_allow_incomplete(exported) -> None:
    base, _, tasks = exported
    result = _import(base, as_submitted(tasks), "strict")
    assert result.exit_code == 1
    assert "region a5005: hand without side or contact" in result.output
    assert not (base / "strict").exists()


def _hand_task(tasks: list) -> tuple[dict, list]:
    task = next(t for t in tasks if t["data"]["glovego"]["image"]["id"] == 1001)
    return task, task["annotations"][0]["result"]


def _break(kind: str, tasks: list) -> str:
    """Damage the task of image 1001 in one way; returns the text its error line must hold."""
    task, result = _hand_task(tasks)
    if kind == "deleted region":
        result[:] = [r for r in result if r.get("id") != "a5001"]
        return "relation a5003 → a5001 to a deleted region"
    if kind == "no side":
        result[:] = [r for r in result if not (r.get("id") == "a5004" and r.get("from_name") == "side")]
        return "region a5004: hand without side"
    if kind == "two objects":
        result.append({"from_id": "a5003", "to_id": "a5002", "type": "relation", "direction": "right"})
        return "region a5003: hand with two active objects"
    if kind == "outside":
        box = next(r for r in result if r.get("id") == "a5002" and r["type"] == "rectanglelabels")
        box["value"]["height"] = 40.0
        return "region a5002: box"
    if kind == "stray keypoint":
        result[:] = [r for r in result if not (r.get("type") == "relation" and r["from_id"].startswith("a5004k"))]
        point = next(r for r in result if r.get("id") == "a5004k20")
        point["value"]["x"], point["value"]["y"] = 1.0, 1.0
        return "region a5004k20: keypoint pinky_tip inside no hand box"
    if kind == "unknown label":
        box = next(r for r in result if r.get("id") == "a5002" and r["type"] == "rectanglelabels")
        box["value"]["rectanglelabels"] = ["forklift"]
        return "region a5002: unknown label ['forklift']"
    if kind == "other project":
        task["data"]["glovego"]["labels"] = "0000000000000000"
        return f"task {task['id']}: not a task of this GlovEgo project"
    if kind == "mixed projects":
        task["project"] = 2
        return "tasks of several projects (1, 2)"
    if kind == "missing image":
        task["data"]["glovego"]["image"]["file_name"] = "gone.jpg"
        return f"task {task['id']}: image"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["deleted region", "no side", "two objects", "outside", "stray keypoint",
                                  "unknown label", "other project", "mixed projects", "missing image"])
def test_bad_input_is_one_line_naming_task_and_region(exported, kind: str) -> None:
    base, _, tasks = exported
    submitted = as_submitted(tasks)
    expected = _break(kind, submitted)
    flags = [] if kind == "no side" else ["--allow-incomplete"]
    result = _import(base, submitted, f"bad_{kind.replace(' ', '_')}", *flags)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if expected in line]
    assert len(lines) == 1, result.output
    assert "task" in lines[0] and ("region" in lines[0] or kind in ("other project", "mixed projects", "missing image"))
    assert not (base / f"bad_{kind.replace(' ', '_')}").exists()
    assert not (base / f"bad_{kind.replace(' ', '_')}.tmp").exists()


def _record(image_id: str, score: float, **hand: float) -> dict:
    record = {"image_id": image_id, "category_id": 19 if hand else 0, "bbox": [1, 1, 5, 5], "score": score}
    if hand:
        record.update(hand_side=1, contact_state=0, gloves=0, bbox_obj=[], category_id_obj=-1, **hand)
    return record


def test_select_uncertain_takes_exactly_the_least_sure_frames(tmp_path: Path) -> None:
    frames = [f"f{i}.jpg" for i in range(8)]
    records_of = {
        "f0.jpg": [_record("f0.jpg", 0.99)],  # certainty 0.98
        "f1.jpg": [_record("f1.jpg", 0.55)],  # 0.10
        "f2.jpg": [_record("f2.jpg", 0.97, side_score=0.5, contact_score=0.9, glove_score=0.9)],  # 0.0
        "f3.jpg": [_record("f3.jpg", 0.45), _record("f3.jpg", 0.99)],  # 0.10, tie with f1: f1 first
        "f4.jpg": [],  # no records: 1.0
        "f5.jpg": [_record("f5.jpg", 0.9, side_score=0.7, contact_score=0.99, glove_score=0.01)],  # 0.4
        "f6.jpg": [_record("f6.jpg", 0.05)],  # 0.9
        "f7.jpg": [_record("f7.jpg", 0.6)],  # 0.2
    }
    assert frame_certainty(records_of["f2.jpg"]) == 0.0
    assert frame_certainty([]) == 1.0
    assert least_certain(frames, records_of, 3) == ["f1.jpg", "f2.jpg", "f3.jpg"]
    assert least_certain(frames, records_of, 4) == ["f1.jpg", "f2.jpg", "f3.jpg", "f7.jpg"]
    # through the command: the images and tasks are exactly those frames, the same on every run
    (tmp_path / "frames").mkdir()
    from PIL import Image as PILImage

    for name in frames:
        PILImage.new("RGB", (16, 12), (40, 80, 120)).save(tmp_path / "frames" / name)
    predictions = tmp_path / "predictions.json"
    predictions.write_text(json.dumps([r for name in frames for r in records_of[name]]))
    chosen = []
    for run in range(2):
        out = tmp_path / f"tasks{run}"
        result = glovego("label", "export", tmp_path / "frames", "--predictions", predictions, "--select", "uncertain",
                         "--n", 3, "--out", out)
        assert result.exit_code == 0, result.output
        tasks = json.loads((out / "tasks.json").read_text())
        chosen.append([t["data"]["glovego"]["image"]["file_name"] for t in tasks])
        assert sorted(p.name for p in (out / "images").iterdir()) == chosen[-1]
        assert [t["predictions"][0]["score"] for t in tasks] == pytest.approx([0.1, 0.0, 0.1])
    assert chosen[0] == chosen[1] == ["f1.jpg", "f2.jpg", "f3.jpg"]


def test_a_missing_server_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path: Path) -> None:
    from .conftest import label_studio_binary, require_or_skip

    monkeypatch.setenv("GLOVEGO_LABEL_STUDIO", str(tmp_path / "no-such-label-studio"))
    assert label_studio_binary() is None
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_or_skip("Label Studio is not installed")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=".ci/label-studio-env"):
        require_or_skip("Label Studio is not installed")


def test_latest_submitted_annotation_counts() -> None:
    from glovego_data.label_studio.parse import latest_annotation

    task = {"annotations": [
        {"id": 1, "updated_at": "2026-12-08T01:00:00Z", "was_cancelled": False},
        {"id": 2, "updated_at": "2026-12-08T03:00:00Z", "was_cancelled": True},  # skipped: ignored
        {"id": 3, "updated_at": "2026-12-08T02:00:00Z", "was_cancelled": False},
        {"id": 4, "updated_at": "2026-12-08T02:00:00Z", "was_cancelled": False},  # same time: greater id
        {"id": 5, "created_at": "2026-12-08T01:30:00Z"},
    ]}
    assert latest_annotation(task)["id"] == 4
    assert latest_annotation({"annotations": [{"id": 9, "was_cancelled": True}]}) is None
    assert latest_annotation({}) is None
