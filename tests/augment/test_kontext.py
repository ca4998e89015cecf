"""The flux-kontext path end to end through the real FluxKontextPipeline with tiny random weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from scenes import kontext_root
from glovego_data.augment import selection
from glovego_data.augment.composite import composite_alpha
from glovego_data.augment.regions import HandBox, hand_regions
from glovego_data.ehoi_coco import load_dataset

pytestmark = pytest.mark.slow

TINY = dict(steps=2, max_sequence_length=32, work_scale=0.05)


def _options(model: Path, **kw):
    from glovego_pipelines.augment_gloves import AugmentOptions

    return AugmentOptions(backend="flux-kontext", model=str(model), **{**TINY, **kw})


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(PILImage.open(path).convert("RGB"))


def test_editor_batches_equal_singles_seeds_and_resize_back(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_data.augment.flux_kontext import KontextEditor, KontextSettings, encode_prompt_cached

    settings = KontextSettings(model=str(tiny_kontext), steps=2, max_sequence_length=32)
    cache = tmp_path / "prompt_embeds.safetensors"
    embeds = encode_prompt_cached(settings, tiny_kontext, cache, "cpu")
    assert cache.is_file() and embeds["prompt_embeds"].shape == (1, 32, 32)
    again = encode_prompt_cached(settings, tiny_kontext, cache, "cpu")
    assert all((again[k] == embeds[k]).all() for k in embeds)
    editor = KontextEditor(settings, tiny_kontext, embeds, "cpu")
    assert editor.pipe.text_encoder is None and editor.pipe.text_encoder_2 is None
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=(70, 90, 3), dtype=np.uint8) for _ in range(3)]
    batch = editor.edit(images, [11, 12, 13], (64, 48))
    singles = [editor.edit([img], [s], (64, 48))[0] for img, s in zip(images, [11, 12, 13])]
    for got, want in zip(batch, singles):
        assert got.shape == (70, 90, 3)  # resized back to the original size
        assert np.abs(got.astype(int) - want).max() <= 1  # batch = singles (uint8 rounding)
    same = editor.edit([images[0]], [11], (64, 48))[0]
    other = editor.edit([images[0]], [99], (64, 48))[0]
    assert np.array_equal(same, singles[0])
    assert np.abs(other.astype(int) - same).max() > 5


def test_run_accepts_composites_and_labels(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_pipelines.augment_gloves import run_augment

    root = tmp_path / "in"
    kontext_root(root)
    out = tmp_path / "out"
    report = run_augment(root, out, _options(tiny_kontext, ssim=0.01, batch_size=2, preview=2))
    assert report["images_seen"] == 5 and report["eligible"] == 4 and report["selected"] == 4
    assert report["outcomes"]["accepted"] == 4 and report["batches"] == 3  # (48, 64) bucket, then 2 + 1
    assert not (out / ".work").exists()  # the resume cache (prompt embeddings, edited images) goes on success
    data = load_dataset(out / "annotations" / "all.json")
    src = load_dataset(root / "annotations" / "all.json")
    edits = {img.file_name: img.glove_edit for img in data.images}
    assert edits["13_1.png"] is None
    e = edits["12_1.png"]
    assert e["status"] == "accepted" and e["work_size"] == [48, 64] and e["steps"] == 2 and e["guidance"] == 2.5
    assert e["seed"] == selection.image_seed(0, "12_1.png") and e["backend"] == "flux-kontext"
    assert edits["10_1.png"]["work_size"] == [64, 48]
    assert {h["region"] for h in edits["10_2.png"]["hands"]} == {"box"}
    # Every editable hand changed (random weights redraw everything); the gloved one was left alone.
    for ann, old in zip(data.annotations, src.annotations):
        assert ann.bbox == old.bbox and ann.hand_side == old.hand_side and ann.contact_state == old.contact_state
        if data.is_hand(ann):
            assert ann.gloves == 1
    assert data.info["ehoi"]["glove_augmentation"]["model"] == str(tiny_kontext)
    hands_file = json.loads((out / "annotations" / "all_hands.json").read_text())
    assert {a["id"] for a in hands_file["annotations"]} == {a.id for a in data.hands()}
    # Composite: outside the dilated regions the PNG is bit-identical to the input.
    for img in src.images:
        before, after = _pixels(root / "images" / img.file_name), _pixels(out / "images" / img.file_name)
        hands = [HandBox(a.id, tuple(a.bbox), segmentation=a.segmentation) for a in src.hands() if a.image_id == img.id and a.gloves != 1]
        alpha = composite_alpha(hand_regions(before, hands, [], grabcut_boxes=False), before.shape[:2])
        assert np.array_equal(after[alpha == 0], before[alpha == 0])
        if hands:
            assert np.abs(after[alpha == 1].astype(int) - before[alpha == 1]).max() > 24
    assert (out / "preview.png").is_file()

    # The same run without compositing keeps the raw output: pixels far from the hands change too.
    raw_out = tmp_path / "raw"
    run_augment(root, raw_out, _options(tiny_kontext, ssim=0.01, batch_size=2, composite=False))
    before, after = _pixels(root / "images" / "10_2.png"), _pixels(raw_out / "images" / "10_2.png")
    assert np.abs(after[:, 70:].astype(int) - before[:, 70:]).max() > 24

    # Batch size 1 gives the same images as batch size 2 (to uint8 rounding).
    single_out = tmp_path / "single"
    run_augment(root, single_out, _options(tiny_kontext, ssim=0.01, batch_size=1))
    for img in src.images:
        diff = np.abs(_pixels(single_out / "images" / img.file_name).astype(int) - _pixels(out / "images" / img.file_name))
        assert diff.max() <= 1


def test_run_rejects_below_threshold(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_pipelines.augment_gloves import run_augment

    root = tmp_path / "in"
    kontext_root(root, jpeg_one=True)
    out = tmp_path / "out"
    report = run_augment(root, out, _options(tiny_kontext, ssim=1.0))
    assert report["outcomes"]["rejected_ssim"] == 4 and report["outcomes"]["accepted"] == 0
    data = load_dataset(out / "annotations" / "all.json")
    src = load_dataset(root / "annotations" / "all.json")
    assert [a.gloves for a in data.annotations] == [a.gloves for a in src.annotations]
    for img in data.images:
        assert (out / "images" / img.file_name).read_bytes() == (root / "images" / img.file_name).read_bytes()
        if img.file_name != "13_1.png":
            assert img.glove_edit["status"] == "rejected_ssim" and img.glove_edit["ssim"] < 1.0
            assert not any(h["gloved"] for h in img.glove_edit["hands"])
    assert report["gloved_hands_after"] == report["gloved_hands_before"]


def test_model_resolves_from_local_hub_cache_only(tiny_kontext: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub id loads from the local hub cache (local_files_only); an unknown one gets the licence text."""
    import shutil

    import huggingface_hub.constants

    from glovego_data.augment.flux_kontext import resolve_model
    from glovego_data.errors import GlovegoError

    cache = tmp_path / "hub"
    commit = "0" * 40
    repo = cache / "models--tiny--kontext"
    shutil.copytree(tiny_kontext, repo / "snapshots" / commit)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    assert resolve_model("tiny/kontext") == repo / "snapshots" / commit
    with pytest.raises(GlovegoError, match="accept the licence for black-forest-labs/FLUX.1-Kontext-dev"):
        resolve_model("black-forest-labs/FLUX.1-Kontext-dev")


def test_model_failure_marks_batch_failed_or_stops_with_strict(tiny_kontext: Path, tmp_path: Path) -> None:
    """A transformer whose rotary axes do not add up to its head size fails in every forward pass."""
    import shutil

    from glovego_pipelines.augment_gloves import run_augment
    from glovego_data.errors import GlovegoError

    broken = tmp_path / "broken"
    shutil.copytree(tiny_kontext, broken)
    config = json.loads((broken / "transformer" / "config.json").read_text())
    config["axes_dims_rope"] = [4, 4, 4]
    (broken / "transformer" / "config.json").write_text(json.dumps(config))
    root = tmp_path / "in"
    kontext_root(root)
    out = tmp_path / "out"
    report = run_augment(root, out, _options(broken, ssim=0.01, batch_size=4))
    assert report["outcomes"]["failed"] == 4 and report["outcomes"]["accepted"] == 0
    data = load_dataset(out / "annotations" / "all.json")
    failed = [img.glove_edit for img in data.images if img.glove_edit]
    assert all(e["status"] == "failed" and e["error"] for e in failed) and len(failed) == 4
    for img in data.images:  # originals kept
        assert (out / "images" / img.file_name).read_bytes() == (root / "images" / img.file_name).read_bytes()
    with pytest.raises(GlovegoError, match="batch 0 "):
        run_augment(root, tmp_path / "strict", _options(broken, ssim=0.01, batch_size=4, strict=True))
    assert not (tmp_path / "strict" / "annotations").exists()
