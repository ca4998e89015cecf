"""The flux-kontext-inpaint path: the real FluxKontextInpaintPipeline with tiny random weights.

The pipeline keeps the original latents outside its mask, but the VAE decode moves those pixels
(by up to ~250 levels with random weights), so the editor pastes the original back: its raw
output must equal the original bit for bit outside the mask, before any composite.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from scenes import kontext_root
from glovego_data.augment.inpaint_mask import edit_mask, latent_grid_mask, paste_outside
from glovego_data.augment.regions import HandBox, hand_regions
from glovego_data.ehoi_coco import load_dataset

TINY = dict(steps=2, max_sequence_length=32, work_scale=0.05)


def _options(model: Path, **kw):
    from glovego_pipelines.augment_gloves import AugmentOptions

    return AugmentOptions(backend="flux-kontext-inpaint", model=str(model), **{**TINY, **kw})


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(PILImage.open(path).convert("RGB"))


def _tree(root: Path) -> dict[str, bytes]:
    skip = (".work", "augment_journal", "report.json")
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not str(p.relative_to(root)).startswith(skip)}


def _masks(root: Path) -> dict[str, np.ndarray]:
    """Each image's edit mask, recomputed from its annotations as the pipeline does."""
    src = load_dataset(root / "annotations" / "all.json")
    out = {}
    for img in src.images:
        rgb = _pixels(root / "images" / img.file_name)
        hands = [HandBox(a.id, tuple(a.bbox), segmentation=a.segmentation) for a in src.hands() if a.image_id == img.id and a.gloves != 1]
        out[img.file_name] = edit_mask(hand_regions(rgb, hands, [], grabcut_boxes=False), rgb.shape[:2])
    return out


def test_latent_grid_mask_covers_every_masked_pixel_with_whole_cells() -> None:
    rng = np.random.default_rng(1)
    mask = np.zeros((72, 96), bool)
    mask[20:31, 13:40] = True
    mask[rng.integers(0, 72, 5), rng.integers(0, 96, 5)] = True  # lone pixels still get their cell
    grid = latent_grid_mask(mask, (64, 48))
    assert grid.shape == (48, 64) and set(np.unique(grid)) == {0, 255}
    cells = grid[::8, ::8]
    assert np.array_equal(grid, np.repeat(np.repeat(cells, 8, 0), 8, 1))  # whole 8 × 8 cells
    # A cell is on iff a masked pixel's footprint (mapped to work coordinates) overlaps it.
    ys, xs = np.nonzero(mask)
    scale_x, scale_y = 64 / 96, 48 / 72
    want = np.zeros_like(cells, dtype=bool)
    for y, x in zip(ys, xs):
        y0, y1 = int(y * scale_y // 8), int(np.ceil((y + 1) * scale_y / 8)) - 1
        x0, x1 = int(x * scale_x // 8), int(np.ceil((x + 1) * scale_x / 8)) - 1
        want[y0 : y1 + 1, x0 : x1 + 1] = True
    assert np.array_equal(cells > 0, want)
    with pytest.raises(ValueError, match="multiple of the latent cell"):
        latent_grid_mask(mask, (60, 48))


def test_paste_outside_copies_the_original_exactly() -> None:
    rng = np.random.default_rng(2)
    original, edited = (rng.integers(0, 256, (20, 30, 3), dtype=np.uint8) for _ in range(2))
    mask = rng.random((20, 30)) < 0.3
    out = paste_outside(original, edited, mask)
    assert np.array_equal(out[~mask], original[~mask]) and np.array_equal(out[mask], edited[mask])


@pytest.mark.slow
def test_editor_changes_only_inside_the_mask(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_data.augment.flux_kontext import KontextSettings, encode_prompt_cached, to_original_size, to_work_size
    from glovego_data.augment.flux_kontext_inpaint import KontextInpaintEditor

    settings = KontextSettings(model=str(tiny_kontext), steps=2, max_sequence_length=32)
    embeds = encode_prompt_cached(settings, tiny_kontext, tmp_path / "embeds.safetensors", "cpu")
    editor = KontextInpaintEditor(settings, tiny_kontext, embeds, "cpu")
    assert type(editor.pipe).__name__ == "FluxKontextInpaintPipeline" and editor.pipe.text_encoder is None
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=(70, 90, 3), dtype=np.uint8) for _ in range(3)]
    masks = []
    for k in range(3):
        m = np.zeros((70, 90), bool)
        m[10 + 5 * k : 40 + 5 * k, 20 : 50 + 10 * k] = True
        masks.append(m)
    seeds = [11, 12, 13]
    batch = editor.edit(images, masks, seeds, (64, 48))
    for out, img, m in zip(batch, images, masks):
        assert out.shape == img.shape and out.dtype == np.uint8
        assert np.array_equal(out[~m], img[~m])  # bit-identical outside the mask
        assert np.abs(out[m].astype(int) - img[m]).max() > 24  # redrawn inside
    # Without the paste, the pipeline's own decode moves the pixels outside the mask.
    work_masks = [PILImage.fromarray(latent_grid_mask(m, (64, 48))) for m in masks]
    decoded = to_original_size(editor.run(to_work_size(images, (64, 48)), seeds, mask_image=work_masks), images)
    assert all(np.abs(d[~m].astype(int) - img[~m]).max() > 24 for d, img, m in zip(decoded, images, masks))
    for d, out, m in zip(decoded, batch, masks):
        assert np.array_equal(d[m], out[m])  # inside, the output is the model's
    # Batches equal singles (uint8 rounding); the seed decides the noise.
    singles = [editor.edit([img], [m], [s], (64, 48))[0] for img, m, s in zip(images, masks, seeds)]
    assert all(np.abs(b.astype(int) - s).max() <= 1 for b, s in zip(batch, singles))
    assert np.array_equal(editor.edit([images[0]], [masks[0]], [11], (64, 48))[0], singles[0])
    assert np.abs(editor.edit([images[0]], [masks[0]], [99], (64, 48))[0].astype(int) - singles[0]).max() > 5


@pytest.mark.slow
def test_run_edits_hands_only_and_gates_both_ways(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_pipelines.augment_gloves import run_augment

    root = tmp_path / "in"
    kontext_root(root)
    masks = _masks(root)
    raw_out = tmp_path / "raw"
    report = run_augment(root, raw_out, _options(tiny_kontext, ssim=0.01, batch_size=2, composite=False))
    assert report["outcomes"]["accepted"] == 4 and report["backend"] == "flux-kontext-inpaint"
    data = load_dataset(raw_out / "annotations" / "all.json")
    src = load_dataset(root / "annotations" / "all.json")
    for img in src.images:  # the raw output on disk (PNG, no composite): only the mask changed
        before, after = _pixels(root / "images" / img.file_name), _pixels(raw_out / "images" / img.file_name)
        mask = masks[img.file_name]
        assert np.array_equal(after[~mask], before[~mask])
        if mask.any():
            assert np.abs(after[mask].astype(int) - before[mask]).max() > 24
    e = next(i.glove_edit for i in data.images if i.file_name == "12_1.png")
    assert e["backend"] == "flux-kontext-inpaint" and e["model"] == str(tiny_kontext) and e["work_size"] == [48, 64]
    assert e["composite"] is False and e["steps"] == 2
    assert all(a.gloves == 1 for a in data.hands())  # every editable hand redrawn; the gloved one stays 1
    assert data.info["ehoi"]["glove_augmentation"]["backend"] == "flux-kontext-inpaint"

    # The gate, both ways: a threshold between the measured scores keeps the edits above it only.
    scores = {i.file_name: i.glove_edit["ssim"] for i in data.images if i.glove_edit}
    low, high = sorted(scores.values())[1:3]
    assert low < high
    threshold = (low + high) / 2
    gated = tmp_path / "gated"
    report = run_augment(root, gated, _options(tiny_kontext, ssim=threshold, batch_size=2))
    assert report["outcomes"]["accepted"] == 2 and report["outcomes"]["rejected_ssim"] == 2
    out = load_dataset(gated / "annotations" / "all.json")
    by_id = {a.id: a for a in src.annotations}
    for img in out.images:
        if img.glove_edit is None:
            continue
        kept = scores[img.file_name] >= threshold
        assert img.glove_edit["status"] == ("accepted" if kept else "rejected_ssim")
        assert img.glove_edit["ssim"] == scores[img.file_name]  # the composite does not move the raw gate
        same_bytes = (gated / "images" / img.file_name).read_bytes() == (root / "images" / img.file_name).read_bytes()
        assert same_bytes is not kept
        gloves = [a.gloves for a in out.annotations if a.image_id == img.id and out.is_hand(a)]
        assert gloves == ([1] * len(gloves) if kept else [by_id[a.id].gloves for a in out.annotations if a.image_id == img.id and out.is_hand(a)])
        before, after = _pixels(root / "images" / img.file_name), _pixels(gated / "images" / img.file_name)
        assert np.array_equal(after[~masks[img.file_name]], before[~masks[img.file_name]])


@pytest.mark.slow
def test_interrupted_run_resumes_to_the_same_bytes(tiny_kontext: Path, tmp_path: Path) -> None:
    from glovego_pipelines.augment_gloves import run_augment

    root = tmp_path / "in"
    kontext_root(root)
    options = _options(tiny_kontext, ssim=0.01, preview=2)
    whole = tmp_path / "whole"
    run_augment(root, whole, options)

    class Interrupted(Exception):
        pass

    def stop_after_two_images(label: str, total: int):
        seen = [0]

        def advance(n: int) -> None:
            seen[0] += n
            if label == "editing" and seen[0] == 2:
                raise Interrupted  # after the second batch's journal line, as a kill would land

        return advance

    killed = tmp_path / "killed"
    with pytest.raises(Interrupted):
        run_augment(root, killed, options, stop_after_two_images)
    journal = killed / "augment_journal.0.jsonl"
    assert len(journal.read_text().splitlines()) == 1 + 2 and not (killed / "annotations").exists()
    with open(journal, "ab") as handle:  # and a third line torn by the kill
        handle.write(b'{"batch":2,"images":[{"file_na')
    report = run_augment(root, killed, options)
    assert report["timing"]["images_this_run"] == 2
    assert _tree(killed) == _tree(whole)
    batches = [json.loads(line)["batch"] for line in journal.read_text().splitlines()[1:]]
    assert sorted(batches) == [0, 1, 2, 3]  # each batch exactly once
