"""Both MediaPipe APIs behind one interface, on landmarks recorded from shared/fixtures/hands.

`data/fixture_landmarks.json` holds what `mp.solutions.hands` and `HandLandmarker` (mediapipe
0.10.21, bundled networks; re-record with `record_landmarks.py`) returned on the two photos. The
tests rebuild each API's own result objects from those numbers (the real mediapipe classes where
they are installed), so parsing, handedness, matching and masks run in every environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from glovego_data.augment import mediapipe_hands
from glovego_data.augment.hand_landmarks import hand_from_normalized
from glovego_data.augment.mediapipe_hands import (
    HAND_MODEL_ENV,
    choose_api,
    hand_landmarks_unavailable,
    landmark_api,
    landmark_mask,
    pseudo_keypoints,
    resolve_hand_model,
)
from glovego_data.augment.mediapipe_legacy import parse_legacy_result
from glovego_data.augment.mediapipe_tasks import parse_tasks_result
from glovego_data.augment.regions import HandBox, match_landmarks
from glovego_data.errors import GlovegoError

RECORDED = json.loads((Path(__file__).parent / "data" / "fixture_landmarks.json").read_text())["images"]
# Wearer's side of every recorded hand: the tfjs photo shows two left hands, the thumbs-up a right one.
WEARER_SIDES = {"tfjs_hands.jpg": [0, 0], "thumbs-up.png": [1]}


def _legacy_result(hands: list[dict[str, Any]]) -> Any:
    """`Hands.process` output: protobuf lists where mediapipe 0.10.21 is installed, else look-alikes."""
    try:
        from mediapipe.framework.formats import classification_pb2, landmark_pb2
    except ImportError:
        marks = [SimpleNamespace(landmark=[SimpleNamespace(x=x, y=y, z=z) for x, y, z in h["landmarks"]]) for h in hands]
        handed = [SimpleNamespace(classification=[SimpleNamespace(**h["handedness"])]) for h in hands]
        return SimpleNamespace(multi_hand_landmarks=marks or None, multi_handedness=handed or None)
    marks, handed = [], []
    for h in hands:
        lst = landmark_pb2.NormalizedLandmarkList()
        for x, y, z in h["landmarks"]:
            lst.landmark.add(x=x, y=y, z=z)
        marks.append(lst)
        cls = classification_pb2.ClassificationList()
        cls.classification.add(**h["handedness"])
        handed.append(cls)
    return SimpleNamespace(multi_hand_landmarks=marks or None, multi_handedness=handed or None)


def _tasks_result(hands: list[dict[str, Any]]) -> Any:
    """A `HandLandmarkerResult` of real mediapipe dataclasses where mediapipe is installed."""
    try:
        from mediapipe.tasks.python.components.containers.category import Category
        from mediapipe.tasks.python.components.containers.landmark import NormalizedLandmark
        from mediapipe.tasks.python.vision import HandLandmarkerResult
    except ImportError:
        Category = NormalizedLandmark = SimpleNamespace  # noqa: N806
        HandLandmarkerResult = SimpleNamespace  # noqa: N806
    return HandLandmarkerResult(
        handedness=[[Category(index=h["handedness"]["index"], score=h["handedness"]["score"],
                              display_name="", category_name=h["handedness"]["label"])] for h in hands],
        hand_landmarks=[[NormalizedLandmark(x=x, y=y, z=z) for x, y, z in h["landmarks"]] for h in hands],
        hand_world_landmarks=[],
    )


def _parsed(name: str, api: str) -> list[Any]:
    rec = RECORDED[name]
    parse, build = (parse_legacy_result, _legacy_result) if api == "legacy" else (parse_tasks_result, _tasks_result)
    return parse(build(rec[api]), rec["width"], rec["height"])


@pytest.mark.parametrize("api", ["legacy", "tasks"])
@pytest.mark.parametrize("name", sorted(RECORDED))
def test_each_api_parses_to_pixels_and_the_wearers_side(name: str, api: str) -> None:
    rec = RECORDED[name]
    hands = _parsed(name, api)
    assert [h.side for h in hands] == WEARER_SIDES[name]
    for hand, raw in zip(hands, rec[api]):
        assert hand.points.shape == (21, 2) and hand.points.dtype == np.float64
        assert hand.points[8] == pytest.approx((raw["landmarks"][8][0] * rec["width"], raw["landmarks"][8][1] * rec["height"]))
        assert hand.score == pytest.approx(raw["handedness"]["score"])


def test_the_two_apis_name_the_same_class_oppositely() -> None:
    """Why only the legacy labels are swapped: same network output index, opposite label."""
    for rec in RECORDED.values():
        for legacy, tasks in zip(rec["legacy"], rec["tasks"]):
            assert legacy["handedness"]["index"] == tasks["handedness"]["index"]
            assert {legacy["handedness"]["label"], tasks["handedness"]["label"]} == {"Left", "Right"}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_both_apis_give_the_same_hands_masks_and_keypoints(name: str) -> None:
    rec = RECORDED[name]
    shape = (rec["height"], rec["width"])
    legacy, tasks = _parsed(name, "legacy"), _parsed(name, "tasks")
    pairs = match_landmarks([HandBox(i, h.box, h.side) for i, h in enumerate(legacy)], tasks)
    assert sorted(pairs) == list(range(len(legacy)))
    for i, hand in enumerate(legacy):
        other = pairs[i]
        assert other.side == hand.side
        assert np.median(np.linalg.norm(other.points - hand.points, axis=1)) < 0.03 * max(shape)
        a, b = landmark_mask(hand, shape), landmark_mask(other, shape)
        assert (a & b).sum() / (a | b).sum() > 0.7
        kps = pseudo_keypoints(other, rec["width"], rec["height"])
        assert len(kps) == 63 and set(kps[2::3]) == {2}


def test_matching_recorded_tasks_hands_to_annotated_boxes() -> None:
    hands = _parsed("tfjs_hands.jpg", "tasks")  # right one first, then left one (in image x)
    right_box, left_box = (390.0, 20.0, 265.0, 340.0), (70.0, 20.0, 258.0, 336.0)
    boxes = [HandBox(11, left_box, side=0), HandBox(12, right_box, side=0), HandBox(13, (0.0, 0.0, 20.0, 20.0))]
    matched = match_landmarks(boxes, hands)
    assert set(matched) == {11, 12}  # the far box gets nothing; each detection used once
    assert matched[11] is hands[1] and matched[12] is hands[0]
    # Two boxes on one hand: the one with the higher IoU wins, the other stays unmatched.
    loose = (60.0, 10.0, 300.0, 380.0)
    matched = match_landmarks([HandBox(1, loose), HandBox(2, left_box)], [hands[1]])
    assert list(matched) == [2]


def test_side_breaks_a_tie_between_equal_boxes() -> None:
    left = _parsed("tfjs_hands.jpg", "tasks")[1]
    right = hand_from_normalized((left.points / [720, 382]).tolist(), "Right", 0.9, 720, 382, mirrored=False)
    box = left.box
    matched = match_landmarks([HandBox(1, box, side=1)], [left, right])
    assert matched[1] is right


def test_parsing_edge_cases() -> None:
    with pytest.raises(ValueError, match="21 landmarks"):
        hand_from_normalized([(0.5, 0.5)] * 20, "Left", 1.0, 10, 10, mirrored=True)
    assert hand_from_normalized([(0.5, 0.5)] * 21, "Unknown", 1.0, 10, 10, mirrored=False).side == -1
    assert parse_tasks_result(_tasks_result([]), 10, 10) == []
    assert parse_legacy_result(_legacy_result([]), 10, 10) == []


def test_choice_of_api_and_what_it_says_when_none_can_run(tmp_path: Path) -> None:
    model = tmp_path / "hand_landmarker.task"
    model.write_bytes(b"zip")
    assert choose_api(None, "0.10.21", True).kind == "legacy"
    assert choose_api(None, "0.10.21", True).name == "mediapipe-0.10.21"
    tasks = choose_api(model, "0.10.21", True)  # a model file wins even where the legacy API exists
    assert (tasks.kind, tasks.model, tasks.name) == ("tasks", model, "mediapipe-0.10.21-tasks:hand_landmarker.task")
    assert choose_api(model, "1.2.3", False).kind == "tasks"
    with pytest.raises(GlovegoError, match=r"not installed: pip install 'glovego\[mediapipe\]' and pass --hand-model .*glovego\[mediapipe-legacy\]"):
        choose_api(model, None, False)
    with pytest.raises(GlovegoError, match=rf"mediapipe 1.2.3 has no bundled hand models: pass --hand-model FILE .* {HAND_MODEL_ENV}=FILE"):
        choose_api(None, "1.2.3", False)
    with pytest.raises(GlovegoError, match=r"missing.task: hand landmark model not found"):
        choose_api(tmp_path / "missing.task", "1.2.3", False)


def test_hand_model_from_option_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HAND_MODEL_ENV, raising=False)
    assert resolve_hand_model(None) is None
    monkeypatch.setenv(HAND_MODEL_ENV, str(tmp_path / "env.task"))
    assert resolve_hand_model(None) == tmp_path / "env.task"
    assert resolve_hand_model(tmp_path / "option.task") == tmp_path / "option.task"
    monkeypatch.setattr(mediapipe_hands, "installed_mediapipe", lambda: ("1.2.3", False))
    assert "env.task: hand landmark model not found" in (hand_landmarks_unavailable() or "")


def test_the_installed_mediapipe_is_reported_as_it_is() -> None:
    installed = mediapipe_hands.installed_mediapipe()
    try:
        import mediapipe as mp
    except ImportError:
        assert installed is None
        return
    assert installed == (mp.__version__, hasattr(getattr(mp, "solutions", None), "hands"))


def test_a_file_that_is_no_model_is_one_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("mediapipe.tasks.python.vision")
    from glovego_data.augment.mediapipe_hands import open_hand_detector

    bogus = tmp_path / "notes.task"
    bogus.write_text("not a model bundle")
    with pytest.raises(GlovegoError, match=r"notes.task: not a usable MediaPipe hand landmarker model"):
        open_hand_detector(bogus)


def test_tasks_api_on_real_networks_matches_the_recording(shared_fixtures: Path, tmp_path: Path) -> None:
    """The whole Tasks path on real networks: the bundle built from the legacy wheel, or the model
    that GLOVEGO_HAND_MODEL names (CI hands the numpy-2 run that bundle)."""
    pytest.importorskip("mediapipe.tasks.python.vision")
    from PIL import Image

    from hand_task_bundle import build_hand_task
    from glovego_data.augment.mediapipe_tasks import TasksHandDetector

    model = resolve_hand_model(None) or build_hand_task(tmp_path / "hand_landmarker.task")
    if model is None:
        pytest.skip(f"no hand_landmarker.task here (set {HAND_MODEL_ENV}) and no mediapipe 0.10.21 to build one")
    api = landmark_api(model)
    with TasksHandDetector(model, api.name) as detector:
        for name, rec in sorted(RECORDED.items()):
            rgb = np.asarray(Image.open(shared_fixtures / "hands" / name).convert("RGB"))
            found = sorted(detector.detect(rgb), key=lambda h: -h.points[:, 0].mean())
            recorded = sorted(_parsed(name, "tasks"), key=lambda h: -h.points[:, 0].mean())
            assert [h.side for h in found] == [h.side for h in recorded] == WEARER_SIDES[name]
            for got, want in zip(found, recorded):
                assert np.abs(got.points - want.points).max() < 0.02 * max(rgb.shape[:2])


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_missing_hand_model_stops_augment_gloves_before_any_write(
    tmp_path: Path, shared_fixtures: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from typer.testing import CliRunner

    from builders import fixture_root
    from glovego_cli.main import app

    root = fixture_root(tmp_path / "in", shared_fixtures)
    missing = tmp_path / "nowhere" / "hand_landmarker.task"
    args = ["augment-gloves", str(root), str(tmp_path / "out"), "--backend", "classical"]
    if how == "option":
        monkeypatch.delenv(HAND_MODEL_ENV, raising=False)
        args += ["--hand-model", str(missing)]
    else:
        monkeypatch.setenv(HAND_MODEL_ENV, str(missing))
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert f"{missing}: hand landmark model not found (--hand-model / {HAND_MODEL_ENV})" in result.output
    assert not (tmp_path / "out").exists()


def test_without_mediapipe_regions_fall_back_and_pseudo_keypoints_say_what_to_install(
    tmp_path: Path, shared_fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from builders import fixture_root
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    monkeypatch.delenv(HAND_MODEL_ENV, raising=False)
    monkeypatch.setattr(mediapipe_hands, "installed_mediapipe", lambda: None)  # as if not installed
    root = fixture_root(tmp_path / "in", shared_fixtures)
    with pytest.raises(GlovegoError, match=r"hand landmarks need MediaPipe, which is not installed: pip install 'glovego\[mediapipe\]'"):
        run_augment(root, tmp_path / "kps", AugmentOptions(backend="classical", pseudo_keypoints=True))
    assert not (tmp_path / "kps").exists()
    report = run_augment(root, tmp_path / "out", AugmentOptions(backend="classical", ssim=0.5))
    assert set(report["region_sources"]) <= {"grabcut", "box"} and sum(report["region_sources"].values()) == 3
