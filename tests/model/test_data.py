"""The data pipeline: index, flip, resize, targets, mixed synthetic/real batches, toy scenes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glovego_data.errors import GlovegoError


def test_toy_dataset_is_valid_and_deterministic(tmp_path):
    from glovego_data.ehoi_coco import load_dataset
    from glovego_data.toy_scenes import generate_toy_dataset

    a = generate_toy_dataset(tmp_path / "a", 4, size=(128, 128), seed=3)
    b = generate_toy_dataset(tmp_path / "b", 4, size=(128, 128), seed=3)
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / "annotations" / "train_hands.json").is_file()
    data = load_dataset(a)
    assert not data.warnings
    hands = list(data.hands())
    assert hands and all(h.num_keypoints == 21 and h.hand_side in (0, 1) for h in hands)
    assert all(img.depth_file and (tmp_path / "a" / img.depth_file).is_file() for img in data.images)
    for hand in hands:
        if hand.contact_state == 1:
            assert data.active_object(hand) is not None


def test_index_reports_missing_image(tmp_path):
    from glovego_data.toy_scenes import generate_toy_dataset
    from glovego_model.data import build_index

    path = generate_toy_dataset(tmp_path, 2, size=(96, 96))
    (tmp_path / "images" / "camera_2.png").unlink()
    with pytest.raises(GlovegoError, match=r"train.json: image 2: file not found: images/camera_2.png"):
        build_index(path)


def test_flip_mirrors_boxes_keypoints_masks_depth_and_swaps_side(toy_json):
    from glovego_model.data import build_index, hflip, load_sample

    record = build_index(toy_json).records[0]
    sample = load_sample(record)
    flipped = hflip(sample)
    width = sample.size[0]
    assert np.array_equal(flipped.image, sample.image[:, ::-1])
    assert np.allclose(flipped.boxes[:, 0], width - sample.boxes[:, 2])
    hands = np.flatnonzero(sample.is_hand)
    assert np.array_equal(flipped.side[hands], 1 - sample.side[hands])
    assert np.allclose(flipped.keypoints[hands, :, 0], width - 1 - sample.keypoints[hands, :, 0])
    assert np.array_equal(flipped.keypoints[..., 2], sample.keypoints[..., 2])  # indices unchanged
    assert np.array_equal(flipped.masks, sample.masks[:, :, ::-1])
    assert np.array_equal(flipped.depth, sample.depth[:, ::-1])
    # the keypoint dots drawn in the image are still under the flipped keypoints
    for h in hands:
        for x, y, _ in flipped.keypoints[h]:
            pixel = flipped.image[int(round(y)), int(round(x))]
            assert tuple(pixel) == (150, 20, 20)
    # the mask's bounding box is the flipped box
    for i in range(len(flipped.boxes)):
        if flipped.mask_valid[i] and sample.is_hand[i]:
            xs = np.flatnonzero(flipped.masks[i].any(0))
            assert xs.min() == pytest.approx(flipped.boxes[i, 0]) and xs.max() + 1 == pytest.approx(flipped.boxes[i, 2])
    assert np.allclose(hflip(flipped).keypoints, sample.keypoints, atol=1e-4)


def test_targets_recompute_offsets_from_boxes(toy_json):
    from glovego_model.data import build_index, hflip, load_sample, resize, sample_targets

    index = build_index(toy_json)
    for record in index.records:
        sample = resize(hflip(load_sample(record)), 96, 64)
        t = sample_targets(sample, index.depth_range_m)
        for i in np.flatnonzero(t["offset_valid"].numpy()):
            j = record.active[i]
            assert torch.allclose(t["offset"][i], t["boxes"][j, :2] - t["boxes"][i, :2])
        assert t["masks"].shape[1:] == (64, 96) and t["depth"].shape == (64, 96)
        assert float(t["depth"].max()) <= 1.0


def test_mixed_synthetic_and_real_batch_trains(toy_json, real_json):
    from glovego_model.data import AugmentConfig, ConcatIndex, build_index, train_loader
    from glovego_model.modeling import build_model

    index = ConcatIndex([build_index(toy_json), build_index(real_json)])
    loader = train_loader(index, batch_size=10, seed=0, start_step=0, total_steps=1,
                          augment=AugmentConfig(sizes=(128,)))
    pixels, labels = next(iter(loader))
    assert {t["depth"].numel() > 0 for t in labels} == {True, False}
    assert {bool(t["mask_valid"].any()) for t in labels} == {True, False}
    model = build_model(index.indexes[0].category_names, size="ci", seed=0,
                        contact_modality="mask+rgb+depth+kpts+fusion")
    model.train()
    out = model(pixels, labels=labels)
    assert torch.isfinite(out.loss) and float(out.loss_dict["loss_ehoi_depth"]) > 0
    out.loss.backward()


def test_batches_depend_only_on_seed_and_step(toy_json):
    from glovego_model.data import AugmentConfig, ConcatIndex, build_index, train_loader

    index = ConcatIndex([build_index(toy_json)])
    full = list(train_loader(index, batch_size=4, seed=5, start_step=0, total_steps=4,
                             augment=AugmentConfig(sizes=(96, 128))))
    tail = list(train_loader(index, batch_size=4, seed=5, start_step=2, total_steps=4,
                             augment=AugmentConfig(sizes=(96, 128))))
    for (pa, la), (pb, lb) in zip(full[2:], tail):
        assert torch.equal(pa, pb) and all(torch.equal(a["boxes"], b["boxes"]) for a, b in zip(la, lb))
