"""solo2coco end to end on generated hand scenes and on the real SOLO samples: exact values against
the generator's ground truth and the source masks, pycocotools, `validate`, byte-identity across workers."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from glovego_data.ehoi_coco.validate import validate_path
from glovego_data.errors import GlovegoError
from glovego_data.exr import read_depth
from glovego_data.solo.colors import instance_color
from glovego_data.solo.depth_outputs import read_depth_mm
from glovego_data.solo.generator import GeneratedSolo, generate_solo

sys.path.insert(0, str(Path(__file__).parent))
from solo_kit import run_convert  # noqa: E402


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSolo:
    return generate_solo(tmp_path_factory.mktemp("gen") / "solo", sequences=3, steps=3, width=320, height=240, seed=11,
                         hands=(1, 2), objects=4, contact=0.7, border=0.4, metadata_hands=0.8)


@pytest.fixture(scope="module")
def converted(scenes: GeneratedSolo, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("conv") / "out"
    report, data = run_convert(scenes.root, out)
    return out, report, data


def _by_image_instance(data: dict) -> dict[tuple[int, int], dict]:
    return {(a["image_id"], a["instance_id"]): a for a in data["annotations"]}


def _mask_of(path: Path, instance_id: int) -> np.ndarray:
    pixels = np.array(PILImage.open(path).convert("RGBA"))
    return np.all(pixels == np.array(instance_color(instance_id), np.uint8), axis=2)


def test_boxes_areas_and_labels_match_the_ground_truth(scenes: GeneratedSolo, converted) -> None:
    _, report, data = converted
    anns = _by_image_instance(data)
    names = {c["id"]: c["name"] for c in data["categories"]}
    assert [img["id"] for img in data["images"]] == list(range(1, len(scenes.frames) + 1))
    expected = 0
    for image_id, truth in enumerate(scenes.frames, start=1):
        image = data["images"][image_id - 1]
        assert (image["width"], image["height"], image["solo"]["step"]) == (truth.width, truth.height, truth.step)
        for inst in truth.instances:
            if inst.box is None:
                assert (image_id, inst.instance_id) not in anns
                continue
            expected += 1
            ann = anns[(image_id, inst.instance_id)]
            assert ann["bbox"] == inst.box
            assert ann["area"] == inst.pixels
            assert names[ann["category_id"]] == ("hand" if inst.is_hand else inst.label)
            assert len(ann["segmentation"]) == inst.pieces
    assert len(data["annotations"]) == expected
    assert report.frames_converted == len(scenes.frames) and report.frames_skipped == 0


def test_hand_keys_keypoints_and_offsets(scenes: GeneratedSolo, converted) -> None:
    _, report, data = converted
    anns = _by_image_instance(data)
    by_id = {a["id"]: a for a in data["annotations"]}
    hands = resolved = 0
    for image_id, truth in enumerate(scenes.frames, start=1):
        diagonal = math.hypot(truth.width, truth.height)
        for inst in truth.instances:
            if not inst.is_hand or inst.box is None:
                continue
            hands += 1
            ann = anns[(image_id, inst.instance_id)]
            assert (ann["hand_side"], ann["gloves"], ann["contact_state"]) == (inst.side, inst.glove, inst.contact)
            # keypoints: MediaPipe order, x − 0.5 / y − 0.5, v = state, v = 0 → 0, 0, 0
            flat = []
            for x, y, v in inst.keypoints:
                flat += [0, 0, 0] if v == 0 else [round(x - 0.5, 3), round(y - 0.5, 3), v]
            assert ann["keypoints"][2::3] == flat[2::3]
            assert ann["keypoints"] == pytest.approx(flat, abs=1.1e-3)  # the JSON stores locations rounded
            assert ann["num_keypoints"] == sum(1 for _, _, v in inst.keypoints if v > 0)
            if inst.contact == 1 and inst.active_visible:
                resolved += 1
                obj = by_id[ann["id_obj"]]
                assert obj["instance_id"] == inst.active_instance and obj["image_id"] == image_id
                assert ann["bbox_obj"] == obj["bbox"] and ann["category_id_obj"] == obj["category_id"]
                assert ann["dx"] ** 2 + ann["dy"] ** 2 == pytest.approx(1.0, abs=2e-6)
                hx, hy = ann["bbox"][0] + ann["bbox"][2] / 2, ann["bbox"][1] + ann["bbox"][3] / 2
                ox, oy = obj["bbox"][0] + obj["bbox"][2] / 2, obj["bbox"][1] + obj["bbox"][3] / 2
                norm = math.hypot(ox - hx, oy - hy)
                assert ann["magnitude"] == round(norm / diagonal, 6)
                assert (ann["dx"], ann["dy"]) == (round((ox - hx) / norm, 6), round((oy - hy) / norm, 6))
            else:
                assert (ann["id_obj"], ann["bbox_obj"], ann["category_id_obj"]) == (-1, [], -1)
                assert (ann["dx"], ann["dy"], ann["magnitude"]) == (0, 0, 0)
    assert hands == report.hands and resolved == report.ehois and resolved > 0
    assert any(v == 1 for a in data["annotations"] for v in a["keypoints"][2::3])  # occluded points exist
    assert any(v == 0 for a in data["annotations"] for v in a["keypoints"][2::3])  # out-of-image points exist


def test_depth_outputs_round_trip(scenes: GeneratedSolo, converted) -> None:
    out, _, data = converted
    assert data["info"]["ehoi"]["depth"]["measurement"] == "Depth"
    for image_id, truth in enumerate(scenes.frames, start=1):
        depth = read_depth(scenes.root / truth.depth)
        image = data["images"][image_id - 1]
        assert image["depth_file"] == f"depth_mm/camera_{image_id}.png"
        mm = read_depth_mm(out / image["depth_file"])
        assert np.abs(mm - depth).max() <= 0.001
        assert np.array_equal(mm == 0, depth <= 0)
        map8 = np.array(PILImage.open(out / "depth_maps" / f"map_{image_id}.png"))
        expected = np.where(depth > 0, np.rint(np.minimum(depth, 5.0) * 255 / 5.0), 255)
        assert map8.dtype == np.uint8 and np.array_equal(map8, expected.astype(np.uint8))


def test_output_loads_in_pycocotools_and_validates(converted) -> None:
    out, _, data = converted
    coco = COCO(str(out / "annotations" / "all.json"))
    assert len(coco.getImgIds()) == len(data["images"])
    hand_id = coco.getCatIds(catNms=["hand"])[0]
    assert hand_id == len(data["categories"]) - 1
    hands = json.loads((out / "annotations" / "all_hands.json").read_text())
    assert [a["id"] for a in hands["annotations"]] == coco.getAnnIds(catIds=[hand_id])
    assert [str(v) for v in validate_path(out)] == []
    assert sorted(p.name for p in out.iterdir()) == [".glovego-output", "annotations", "depth_maps", "depth_mm", "images", "report.json"]


@pytest.mark.slow
def test_workers_give_identical_bytes(scenes: GeneratedSolo, converted, tmp_path: Path) -> None:
    out1, _, _ = converted
    out2 = tmp_path / "two"
    run_convert(scenes.root, out2, workers=2, chunk_size=2)
    files1 = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file() and p.name != "report.json")
    files2 = sorted(p.relative_to(out2) for p in out2.rglob("*") if p.is_file() and p.name != "report.json")
    assert files1 == files2
    for rel in files1:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel


def test_rle_is_exact(scenes: GeneratedSolo, tmp_path: Path) -> None:
    _, data = run_convert(scenes.root, tmp_path / "rle", mask_format="rle")
    anns = _by_image_instance(data)
    for image_id, truth in enumerate(scenes.frames[:3], start=1):
        for inst in truth.instances:
            if inst.box is None:
                continue
            seg = anns[(image_id, inst.instance_id)]["segmentation"]
            decoded = mask_utils.decode({"size": seg["size"], "counts": seg["counts"].encode()}).astype(bool)
            assert np.array_equal(decoded, _mask_of(scenes.root / truth.mask, inst.instance_id))
    assert [str(v) for v in validate_path(tmp_path / "rle")] == []


@pytest.mark.parametrize("id_space", ["labelId", "metadata:object_info.object_id"])
def test_id_spaces_resolve_the_same_objects(id_space: str, tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=2, steps=2, width=256, height=192, seed=5, id_space=id_space,
                        hands=(2, 2), objects=3, contact=1.0)
    _, data = run_convert(gen.root, tmp_path / "out", {"interaction": {"id_space": id_space}})
    anns = _by_image_instance(data)
    by_id = {a["id"]: a for a in data["annotations"]}
    checked = 0
    for image_id, truth in enumerate(gen.frames, start=1):
        for inst in truth.instances:
            if inst.is_hand and inst.box is not None and inst.contact == 1 and inst.active_visible:
                assert by_id[anns[(image_id, inst.instance_id)]["id_obj"]]["instance_id"] == inst.active_instance
                checked += 1
    assert checked > 0


def test_geometric_contact_with_depth_matches_the_scene(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=2, steps=3, width=320, height=240, seed=3, metadata=0.0)
    report, data = run_convert(gen.root, tmp_path / "out")
    assert report.contact_source == "geometry+depth" == data["info"]["ehoi"]["contact_source"]
    anns = _by_image_instance(data)
    by_id = {a["id"]: a for a in data["annotations"]}
    for image_id, truth in enumerate(gen.frames, start=1):
        for inst in truth.instances:
            if inst.is_hand and inst.box is not None:
                ann = anns[(image_id, inst.instance_id)]
                got = by_id[ann["id_obj"]]["instance_id"] if ann["id_obj"] > 0 else None
                assert (ann["contact_state"], got) == (inst.contact, inst.active_instance if inst.active_visible else None)


@pytest.mark.parametrize("options,mapping", [
    ({"key_style": "prototype", "label_style": "mediapipe"}, {}),
    ({"cameras": 2, "high_ids": True, "step_gaps": True, "label_style": "camel"}, {}),
    ({"definitions": False, "label_style": "snake", "definitions_dir": "root"}, "names"),
    ({"definitions_dir": "metadata", "measurement": "Range", "hand_label_style": "suffix"}, {}),
])
def test_generator_variants_convert_exactly(options: dict, mapping, tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=2, steps=2, width=192, height=144, seed=2, **options)
    if mapping == "names":
        mapping = {"keypoints": {"names": gen.template_labels}}
    report, data = run_convert(gen.root, tmp_path / "out", mapping)
    anns = _by_image_instance(data)
    assert len(data["images"]) == len(gen.frames)
    for image_id, truth in enumerate(gen.frames, start=1):
        assert data["images"][image_id - 1]["solo"]["sensor"] == truth.sensor
        for inst in truth.instances:
            if inst.box is not None:
                ann = anns[(image_id, inst.instance_id)]
                assert (ann["bbox"], ann["area"]) == (inst.box, inst.pixels)
                if inst.is_hand:
                    assert ann["num_keypoints"] == sum(1 for _, _, v in inst.keypoints if v > 0)
                    assert (ann["hand_side"], ann["gloves"]) == (inst.side, inst.glove)
    assert [str(v) for v in validate_path(tmp_path / "out")] == []
    if options.get("measurement") == "Range":
        assert data["info"]["ehoi"]["depth"]["measurement"] == "Range"


@pytest.mark.slow
def test_worker_frame_errors_are_never_swallowed(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=2, steps=3, width=128, height=96, seed=4)
    bad = gen.frames[4]
    (gen.root / bad.mask).write_bytes(b"\x89PNG broken")
    with pytest.raises(GlovegoError) as caught:
        run_convert(gen.root, tmp_path / "out", workers=2, chunk_size=1)
    assert str(caught.value) == f"{bad.mask}: cannot decode PNG (OpenCV could not read the file)"
    assert not (tmp_path / "out").exists()
    report, data = run_convert(gen.root, tmp_path / "out2", workers=2, chunk_size=1, skip_bad=True)
    assert report.skipped == [{"frame": bad.frame_json, "file": bad.mask,
                               "reason": "cannot decode PNG (OpenCV could not read the file)"}]
    assert len(data["images"]) == len(gen.frames) - 1 and [i["id"] for i in data["images"]] == list(range(1, len(gen.frames)))


# ----- the real SOLO samples (no hands: they test the format) --------------------------------------------

@pytest.mark.parametrize("sample", ["pysolotools-solo", "fiftyone-keypoints", "pysolotools-solo-custom-type"])
def test_real_samples_boxes_and_areas_from_the_masks(sample: str, shared_fixtures: Path, tmp_path: Path) -> None:
    src = shared_fixtures / "solo" / sample
    report, data = run_convert(src, tmp_path / "out")
    assert data["info"]["ehoi"]["categories"] == "custom"
    assert [c["name"] for c in data["categories"]] == ["Box", "Character", "Crate", "Cube", "Terrain", "hand"]
    with_masks = 0
    for image in data["images"]:
        seq_dir = src / f"sequence.{image['solo']['sequence']}"
        frame = json.loads((seq_dir / f"step{image['solo']['step']}.frame_data.json").read_text())
        seg = next((a for a in frame["captures"][0]["annotations"] if "InstanceSegmentation" in a["@type"]), None)
        pixels = None if seg is None else np.array(PILImage.open(seq_dir / seg["filename"]).convert("RGBA"))
        for ann in (a for a in data["annotations"] if a["image_id"] == image["id"]):
            assert ann["keypoints"] == [] and "hand_side" not in ann  # the human template is not a hand
            if seg is None:
                assert "segmentation" not in ann and ann["area"] == ann["bbox"][2] * ann["bbox"][3]
                continue
            colour = next(v["color"] for v in seg["instances"] if v["instanceId"] == ann["instance_id"])
            mask = np.all(pixels == np.array(colour, np.uint8), axis=2)
            ys, xs = np.nonzero(mask)
            assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            assert ann["area"] == mask.sum()
            with_masks += 1
    assert with_masks > 0
    assert [str(v) for v in validate_path(tmp_path / "out")] == []
    COCO(str(tmp_path / "out" / "annotations" / "all.json"))


def test_depth_png_encoder_round_trips() -> None:
    from glovego_data.solo.depth_outputs import encode_gray_png
    import io

    rng = np.random.default_rng(0)
    for pixels in (rng.integers(0, 65535, (7, 5), dtype=np.uint16), rng.integers(0, 255, (3, 9), dtype=np.uint8)):
        decoded = np.array(PILImage.open(io.BytesIO(encode_gray_png(pixels))))
        assert decoded.dtype.itemsize == pixels.dtype.itemsize or decoded.dtype == np.int32
        assert np.array_equal(decoded.astype(np.int64), pixels.astype(np.int64))
