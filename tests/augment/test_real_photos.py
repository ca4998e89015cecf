"""MediaPipe regions and the classical backend on the real hand photos of shared/fixtures/hands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from builders import fixture_root
from glovego_data.augment.composite import composite_alpha
from glovego_data.augment.mediapipe_hands import HandLandmarkDetector, hand_landmarks_unavailable, landmark_api, open_hand_detector, pseudo_keypoints
from glovego_data.augment.regions import HandBox, enlarged_box_mask, hand_regions
from glovego_data.ehoi_coco import load_dataset


pytestmark = pytest.mark.skipif(
    hand_landmarks_unavailable() is not None, reason=f"no MediaPipe landmarks here: {hand_landmarks_unavailable()}"
)


@pytest.fixture(scope="module")
def detector():
    """The legacy models, or the Tasks API where GLOVEGO_HAND_MODEL names a model (CI's numpy-2 run)."""
    with open_hand_detector() as det:
        yield det


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(PILImage.open(path).convert("RGB"))


def test_mediapipe_finds_the_fixture_hands(shared_fixtures: Path, detector: HandLandmarkDetector) -> None:
    two = detector.detect(_rgb(shared_fixtures / "hands" / "tfjs_hands.jpg"))
    one = detector.detect(_rgb(shared_fixtures / "hands" / "thumbs-up.png"))
    assert len(two) == 2 and len(one) == 1
    # MediaPipe calls both tfjs hands "Right" (selfie convention); swapped, that is the wearer's left.
    assert [d.side for d in two] == [0, 0]
    assert all(d.points.shape == (21, 2) for d in two + one)


def test_landmark_mask_matches_the_alpha_hand_mask(shared_fixtures: Path, detector: HandLandmarkDetector) -> None:
    rgba = np.asarray(PILImage.open(shared_fixtures / "hands" / "thumbs-up.png"))
    rgb = rgba[..., :3].copy()
    box = (760.0, 260.0, 600.0, 800.0)
    regions = hand_regions(rgb, [HandBox(3, box)], detector.detect(rgb), grabcut_boxes=False)
    assert regions[0].source == "mediapipe"
    truth = (rgba[..., 3] > 127) & enlarged_box_mask(box, rgb.shape[:2])
    mask = regions[0].mask
    iou = (truth & mask).sum() / (truth | mask).sum()
    assert iou > 0.85, iou
    seeded = hand_regions(rgb, [HandBox(3, box)], detector.detect(rgb), grabcut_boxes=False, refine=False)[0].mask
    assert (truth & seeded).sum() / seeded.sum() > 0.9  # the unrefined landmark mask stays on the hand


def test_box_fallback_without_landmarks(shared_fixtures: Path) -> None:
    rgb = _rgb(shared_fixtures / "hands" / "tfjs_hands.jpg")
    box = (20.0, 5.0, 330.0, 377.0)
    region = hand_regions(rgb, [HandBox(1, box)], [], grabcut_boxes=False)[0]
    assert region.source == "box"
    assert region.mask.sum() == 330 * 377
    cut = hand_regions(rgb, [HandBox(1, box)], [], grabcut_boxes=True)[0]
    assert cut.source == "grabcut" and 0.2 < cut.mask.sum() / (330 * 377) < 0.9


def test_pseudo_keypoints_use_coco_pixel_index(shared_fixtures: Path, detector: HandLandmarkDetector) -> None:
    rgb = _rgb(shared_fixtures / "hands" / "thumbs-up.png")
    det = detector.detect(rgb)[0]
    kps = pseudo_keypoints(det, rgb.shape[1], rgb.shape[0])
    assert len(kps) == 63
    assert kps[0] == pytest.approx(det.points[0, 0] - 0.5, abs=1e-3)
    assert set(kps[2::3]) == {2}


@pytest.mark.slow
def test_classical_run_on_real_photos(tmp_path: Path, shared_fixtures: Path) -> None:
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    root = fixture_root(tmp_path / "in", shared_fixtures)
    out = tmp_path / "out"
    report = run_augment(root, out, AugmentOptions(backend="classical", ssim=0.9, pseudo_keypoints=True, preview=2))
    assert report["outcomes"] == {"accepted": 1, "rejected_ssim": 1, "rejected_no_hand_changed": 0, "failed": 0}
    assert report["region_sources"] == {"mediapipe": 3}
    data = load_dataset(out / "annotations" / "all.json")
    images = {img.file_name: img for img in data.images}
    thumb, tfjs = images["thumbs-up.png"], images["tfjs_hands.jpg"]
    assert thumb.glove_edit["status"] == "accepted" and tfjs.glove_edit["status"] == "rejected_ssim"
    assert tfjs.glove_edit["ssim"] < 0.9 <= thumb.glove_edit["ssim"]
    gloves = {a.id: a.gloves for a in data.hands()}
    assert gloves == {1: 0, 2: 0, 3: 1}  # only the accepted image's hand changed label
    assert all(a.keypoints_source == "mediapipe" and a.num_keypoints > 0 for a in data.hands())
    assert data.info["ehoi"]["pseudo_keypoints"] == landmark_api().name  # "mediapipe-0.10.21" on the legacy models
    assert data.info["ehoi"]["glove_augmentation"]["backend"] == "classical"
    # Rejected image: the very same file (hard link); accepted PNG: alpha kept, pixels outside the
    # dilated hand region identical on disk.
    assert (out / "images" / "tfjs_hands.jpg").read_bytes() == (root / "images" / "tfjs_hands.jpg").read_bytes()
    before = np.asarray(PILImage.open(root / "images" / "thumbs-up.png"))
    after = np.asarray(PILImage.open(out / "images" / "thumbs-up.png"))
    assert after.shape == before.shape == (1280, 1920, 4)
    from glovego_data.augment.regions import HandRegion

    box = (760.0, 260.0, 600.0, 800.0)
    grown = HandRegion(3, box, enlarged_box_mask(box, before.shape[:2]), "box")
    outside = composite_alpha([grown], before.shape[:2]) == 0
    assert np.array_equal(after[outside], before[outside])
    changed = np.abs(after[..., :3].astype(int) - before[..., :3]).max(axis=-1) > 24
    truth = before[..., 3] > 127
    assert changed[truth & enlarged_box_mask(box, truth.shape)].mean() > 0.5
    assert (out / "preview.png").is_file()
    saved = json.loads((out / "report.json").read_text())
    assert saved["gloved_hands_after"]["gloved"] == 1


def test_pseudo_keypoints_on_images_not_edited(tmp_path: Path, shared_fixtures: Path) -> None:
    from glovego_data.ehoi_coco import save_dataset
    from glovego_pipelines.augment_gloves import AugmentOptions, run_augment

    root = fixture_root(tmp_path / "in", shared_fixtures)
    data = load_dataset(root / "annotations" / "all.json")
    for ann in data.hands():
        ann.gloves = 1  # nothing is eligible, so nothing is edited
    save_dataset(data, root / "annotations" / "all.json")
    out = tmp_path / "out"
    report = run_augment(root, out, AugmentOptions(backend="classical", pseudo_keypoints=True))
    assert report["selected"] == 0
    result = load_dataset(out / "annotations" / "all.json")
    assert [(a.id, a.num_keypoints, a.keypoints_source) for a in result.hands()] == [
        (1, 21, "mediapipe"), (2, 21, "mediapipe"), (3, 21, "mediapipe")
    ]
    assert all(img.glove_edit is None for img in result.images)
    for name in ("tfjs_hands.jpg", "thumbs-up.png"):
        assert (out / "images" / name).stat().st_ino == (root / "images" / name).stat().st_ino  # hard link
