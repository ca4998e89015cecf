"""The SOLO hand-scene generator: real SOLO files whose content equals the ground truth it returns."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from glovego_data.exr import read_depth, read_exr
from glovego_data.solo.colors import instance_key, pack_rgba
from glovego_data.solo.generator import (
    DEFINITION_FILES,
    GeneratedSolo,
    generate_sample,
    generate_solo,
    hand_label,
    keypoint_labels,
)
from glovego_data.solo.synth_scene import CLEARANCE_PX, SIMILAR_DEPTH_M


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSolo:
    return generate_sample(tmp_path_factory.mktemp("gen") / "solo")


def _frame_json(gen: GeneratedSolo, rel: str) -> dict:
    return json.loads((gen.root / rel).read_text())


def _annotation(capture: dict, kind: str) -> dict:
    (found,) = [a for a in capture["annotations"] if a["@type"].endswith(kind)]
    return found


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_and_definitions(sample: GeneratedSolo) -> None:
    root = sample.root
    assert not root.with_name("solo.tmp").exists()
    for name in DEFINITION_FILES:
        assert (root / name).is_file()
    assert sorted(p.name for p in root.glob("sequence.*")) == ["sequence.0", "sequence.1"]
    assert len(sample.frames) == 6
    meta = json.loads((root / "metadata.json").read_text())
    assert meta["totalFrames"] == 6 and meta["sensors"] == ["camera"]
    defs = json.loads((root / "annotation_definitions.json").read_text())["annotationDefinitions"]
    (kp_def,) = [d for d in defs if d["@type"].endswith("KeypointAnnotation")]
    template = kp_def["template"]
    assert template["templateId"] == sample.template_id
    assert [k["label"] for k in template["keypoints"]] == keypoint_labels("unity")
    assert [k["index"] for k in template["keypoints"]] == list(range(21))
    box_def = [d for d in defs if d["@type"].endswith("BoundingBox2DAnnotation")][0]
    assert {s["label_name"] for s in box_def["spec"]} >= {"Right Hand", "Left Hand", "Right Hand Glove", "screwdriver"}


def test_files_match_the_ground_truth_exactly(sample: GeneratedSolo) -> None:
    for truth in sample.frames:
        doc = _frame_json(sample, truth.frame_json)
        assert doc["sequence"] == truth.sequence and doc["step"] == truth.step
        (capture,) = doc["captures"]
        folder = (sample.root / truth.frame_json).parent
        rgb = np.array(Image.open(folder / capture["filename"]))
        assert rgb.shape == (truth.height, truth.width, 4) and (rgb[..., 3] == 255).all()
        seg = _annotation(capture, "InstanceSegmentationAnnotation")
        keys = pack_rgba(np.array(Image.open(folder / seg["filename"])))
        boxes = {v["instanceId"]: v for v in _annotation(capture, "BoundingBox2DAnnotation").get("values", [])}
        listed = {i["instanceId"]: i for i in seg.get("instances", [])}
        depth = read_depth(folder / _annotation(capture, "DepthAnnotation")["filename"])
        assert depth.shape == keys.shape
        assert (depth[0] == 0).all()  # above the horizon: no geometry
        for inst in truth.instances:
            mask = keys == instance_key(inst.instance_id)
            assert int(mask.sum()) == inst.pixels
            if inst.pixels == 0:
                assert inst.instance_id not in boxes
                continue
            assert tuple(listed[inst.instance_id]["color"]) == tuple(
                int(v) for v in np.array(Image.open(folder / seg["filename"]))[mask][0]
            )
            ys, xs = np.nonzero(mask)
            tight = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]
            assert inst.box == tight
            box = boxes[inst.instance_id]
            assert box["origin"] + box["dimension"] == [float(v) for v in tight]
            assert box["labelName"] == inst.label and box["labelId"] == sample.labels[inst.label]
            assert np.allclose(depth[mask], inst.depth_m)
        covered = sum(i.pixels for i in truth.instances)
        assert covered == int((keys != instance_key(0)).sum())  # no unlisted colours


def test_boxes_and_masks_are_listed_in_different_orders(sample: GeneratedSolo) -> None:
    differs = 0
    for truth in sample.frames:
        (capture,) = _frame_json(sample, truth.frame_json)["captures"]
        box_ids = [v["instanceId"] for v in _annotation(capture, "BoundingBox2DAnnotation").get("values", [])]
        seg_ids = [v["instanceId"] for v in _annotation(capture, "InstanceSegmentationAnnotation").get("instances", [])]
        assert sorted(box_ids) == sorted(seg_ids)
        differs += box_ids != seg_ids
    assert differs > 0


def test_keypoints_follow_unity_states(sample: GeneratedSolo) -> None:
    states_seen = set()
    for truth in sample.frames:
        (capture,) = _frame_json(sample, truth.frame_json)["captures"]
        kp = _annotation(capture, "KeypointAnnotation")
        assert kp["templateId"] == sample.template_id
        values = {v["instanceId"]: v for v in kp.get("values", [])}
        folder = (sample.root / truth.frame_json).parent
        keys = pack_rgba(np.array(Image.open(folder / _annotation(capture, "InstanceSegmentationAnnotation")["filename"])))
        for hand in truth.hands:
            entry = values[hand.instance_id]
            assert [p["index"] for p in entry["keypoints"]] == list(range(21))
            for point, (x, y, state) in zip(entry["keypoints"], hand.keypoints):
                assert point["state"] == state
                assert point["location"] == pytest.approx([x, y], abs=1e-4)
                states_seen.add(state)
                if state == 0:
                    assert point["location"] == [0.0, 0.0]
                else:
                    own = keys[int(y), int(x)] == instance_key(hand.instance_id)
                    assert own == (state == 2)
        assert set(values) == {h.instance_id for h in truth.hands}
    assert states_seen == {0, 1, 2}


def test_interaction_metadata(sample: GeneratedSolo) -> None:
    contacts = 0
    for truth in sample.frames:
        doc = _frame_json(sample, truth.frame_json)
        (metric,) = [m for m in doc["metrics"] if m["id"] == "metadata"]
        assert metric["@type"].endswith("GenericMetric")
        entries = {e["instanceId"]: e["hand_object_interaction"] for e in metric["values"][0]["instances"]}
        assert all(isinstance(k, str) for k in entries)
        for hand in truth.hands:
            tag = entries[str(hand.instance_id)]
            assert (tag["hand_side"], tag["contact_state"], tag["gloves"]) == (hand.side, hand.contact, hand.glove)
            if hand.contact:
                contacts += 1
                assert tag["id_obj"] == hand.active_instance
                assert tag["magnitude"] == pytest.approx(np.hypot(tag["dx"], tag["dy"]), abs=1e-3)
            else:
                assert (tag["id_obj"], tag["dx"], tag["dy"], tag["magnitude"]) == (-1, -1.0, -1.0, -1.0)
    assert contacts >= 2


def test_contacts_are_consistent_with_masks_and_depth(sample: GeneratedSolo) -> None:
    """A contact hand touches its object 1 cm away in depth; nothing else of similar depth is near."""
    from scipy import ndimage

    for truth in sample.frames:
        (capture,) = _frame_json(sample, truth.frame_json)["captures"]
        folder = (sample.root / truth.frame_json).parent
        keys = pack_rgba(np.array(Image.open(folder / _annotation(capture, "InstanceSegmentationAnnotation")["filename"])))
        by_id = truth.by_id()
        for hand in truth.hands:
            if hand.pixels == 0:
                continue
            near = ndimage.binary_dilation(keys == instance_key(hand.instance_id), iterations=CLEARANCE_PX // 2)
            touched = {i for i in by_id if not by_id[i].is_hand and (near & (keys == instance_key(i))).any()}
            similar = {i for i in touched if abs(by_id[i].depth_m - hand.depth_m) < SIMILAR_DEPTH_M}
            if hand.contact and hand.active_visible:
                assert similar == {hand.active_instance}
                assert abs(by_id[hand.active_instance].depth_m - hand.depth_m) == pytest.approx(0.01, abs=1e-6)
            else:
                assert similar == set()


def test_sample_covers_the_hand_cases(sample: GeneratedSolo) -> None:
    hands = [h for f in sample.frames for h in f.hands]
    objects = [i for f in sample.frames for i in f.instances if not i.is_hand]
    assert {h.side for h in hands} == {0, 1}
    assert {h.glove for h in hands} == {0, 1}
    assert {h.contact for h in hands} == {0, 1}
    assert any(i.pieces >= 2 for i in objects + hands)  # occlusion splits a mask
    border = [h for f in sample.frames for h in f.hands if h.box and (h.box[0] == 0 or h.box[0] + h.box[2] == f.width
                                                                      or h.box[1] + h.box[3] == f.height)]
    assert border
    assert any(k[2] == 0 for h in hands for k in h.keypoints)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_solo(tmp_path / "a", sequences=1, steps=2, width=160, height=120, seed=3)
    b = generate_solo(tmp_path / "b", sequences=1, steps=2, width=160, height=120, seed=3)
    c = generate_solo(tmp_path / "c", sequences=1, steps=2, width=160, height=120, seed=4)
    assert _tree_digest(a.root) == _tree_digest(b.root)
    assert _tree_digest(a.root) != _tree_digest(c.root)
    with pytest.raises(FileExistsError):
        generate_solo(tmp_path / "a", sequences=1, steps=1, width=64, height=48)


def test_prototype_keys_and_missing_definitions(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=1, steps=1, width=200, height=150, key_style="prototype",
                        definitions=("annotation_definitions.json",), hands=(2, 2))
    assert sorted(p.name for p in gen.root.glob("*.json")) == ["annotation_definitions.json"]
    defs = json.loads((gen.root / "annotation_definitions.json").read_text())["annotationDefinitions"]
    assert all(d["@type"].endswith("Definition") for d in defs)
    text = (gen.root / gen.frames[0].frame_json).read_text()
    doc = json.loads(text)
    for key in ('"instance_id"', '"label_id"', '"label_name"', '"rgba"', '"intrinsic"', '"sensor_id"', '"image_format"'):
        assert key in text
    for key in ('"instanceId"', '"color"', '"matrix"', '"sensorId"'):
        assert key not in text
    (metric,) = doc["metrics"]
    assert "values" not in metric and "instances" in metric["value"]
    none = generate_solo(tmp_path / "bare", sequences=1, steps=1, width=64, height=48, definitions=False)
    assert not list(none.root.glob("*.json"))
    cloud = generate_solo(tmp_path / "cloud", sequences=1, steps=1, width=64, height=48, definitions_dir="metadata")
    assert sorted(p.name for p in (cloud.root / "metadata").glob("*.json")) == sorted(DEFINITION_FILES)


def test_cameras_gaps_empty_frames_and_offsets(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=2, steps=[2, 3], width=160, height=120, cameras=2,
                        step_gaps=True, empty_steps=[(0, 1)], frame_offset=100, metadata=0.0)
    assert gen.sensors == ["camera", "camera_2"]
    assert sorted(p.name for p in (gen.root / "sequence.1").glob("*.frame_data.json")) == [
        "step0.frame_data.json", "step2.frame_data.json", "step3.frame_data.json"]
    assert len(gen.frames) == 2 * (2 + 3)
    empty = json.loads((gen.root / "sequence.0/step1.frame_data.json").read_text())
    assert empty["frame"] == 101 and "metrics" not in empty
    for capture in empty["captures"]:
        for annotation in capture["annotations"]:
            assert "values" not in annotation and "instances" not in annotation
    doc = json.loads((gen.root / "sequence.0/step0.frame_data.json").read_text())
    assert [c["id"] for c in doc["captures"]] == ["camera", "camera_2"]
    assert "metrics" not in doc  # metadata=0: the converter's geometric fallback runs
    for capture in doc["captures"]:
        assert (gen.root / "sequence.0" / capture["filename"]).is_file()
    f0, f1 = gen.frame(0, 0, "camera"), gen.frame(0, 0, "camera_2")
    shared = f0.by_id().keys() & f1.by_id().keys()
    assert shared and f0.rgb != f1.rgb
    assert any(f0.by_id()[i].box != f1.by_id()[i].box for i in shared)  # same scene, another view


def test_label_styles_id_spaces_and_high_ids(tmp_path: Path) -> None:
    assert keypoint_labels("unity")[:6] == ["Wrist", "Thumb1", "Thumb2", "Thumb3", "Thumb4", "Index1"]
    assert keypoint_labels("mediapipe")[8] == "INDEX_FINGER_TIP"
    assert keypoint_labels("snake")[20] == "pinky_tip"
    assert keypoint_labels("camel")[1] == "ThumbCMC" and keypoint_labels("camel")[19] == "LittleDIP"
    assert hand_label(1, 1, "spaced", True) == "Right Hand Glove"
    assert hand_label(0, 0, "camel", True) == "LeftHand"
    assert hand_label(1, 1, "suffix", True) == "hand_R_glove"
    gen = generate_solo(tmp_path / "solo", sequences=1, steps=3, width=240, height=180, hands=(2, 2), contact=1.0,
                        id_space="labelId", label_style="mediapipe", template_order="shuffled", high_ids=True,
                        object_names=["bolt", "nut"], seed=5)
    defs = json.loads((gen.root / "annotation_definitions.json").read_text())["annotationDefinitions"]
    labels = [k["label"] for d in defs if "template" in d for k in d["template"]["keypoints"]]
    assert sorted(labels) == sorted(keypoint_labels("mediapipe")) and labels != keypoint_labels("mediapipe")
    assert [keypoint_labels("mediapipe")[m] for m in gen.template_order] == labels
    assert any(i.instance_id > 1024 for f in gen.frames for i in f.instances)
    assert all(i.label in ("bolt", "nut") for f in gen.frames for i in f.instances if not i.is_hand)
    resolved = 0
    shared_rgb = 0
    for truth in gen.frames:
        doc = _frame_json(gen, truth.frame_json)
        (capture,) = doc["captures"]
        seg = _annotation(capture, "InstanceSegmentationAnnotation")
        alphas = {i["color"][3] for i in seg.get("instances", [])}
        keys = pack_rgba(np.array(Image.open((gen.root / truth.frame_json).parent / seg["filename"])))
        for inst in truth.instances:
            assert int((keys == instance_key(inst.instance_id)).sum()) == inst.pixels
        if any(i.instance_id > 1024 for i in truth.instances if i.pixels):
            assert 254 in alphas
        rgbs = [tuple(i["color"][:3]) for i in seg.get("instances", [])]
        shared_rgb += len(rgbs) - len(set(rgbs))  # same RGB, different alpha: still separate instances
        kp = {v["instanceId"]: v["keypoints"] for v in _annotation(capture, "KeypointAnnotation").get("values", [])}
        for hand in truth.hands:  # template index j holds MediaPipe point template_order[j]
            for j, point in enumerate(kp[hand.instance_id]):
                x, y, state = hand.keypoints[gen.template_order[j]]
                assert point["index"] == j and point["state"] == state
                assert point["location"] == pytest.approx([x, y], abs=1e-4)
        tags = {e["instanceId"]: e["hand_object_interaction"] for e in doc["metrics"][0]["values"][0]["instances"]}
        for hand in truth.hands:
            if hand.contact:
                target = gen.frames[0].by_id().get(hand.active_instance) or truth.by_id().get(hand.active_instance)
                assert tags[str(hand.instance_id)]["id_obj"] == gen.labels[target.label]
                resolved += 1
    assert resolved >= 1
    assert shared_rgb >= 1


def test_dense_frame(tmp_path: Path) -> None:
    gen = generate_solo(tmp_path / "solo", sequences=1, steps=1, width=1280, height=720, dense=True, hands=(2, 2))
    (truth,) = gen.frames
    assert 70 <= len(truth.instances) <= 80
    channels = read_exr(gen.root / truth.depth)
    assert sorted(channels) == ["A", "B", "G", "R"] and channels["R"].shape == (720, 1280)


def test_cli_generates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from glovego_cli.main import app

    out = tmp_path / "solo"
    result = CliRunner().invoke(app, ["solo-generate", str(out), "--sequences", "1", "--steps", "2",
                                      "--width", "160", "--height", "120", "--metadata", "0"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "sequence.0").glob("*.frame_data.json")) == [
        "step0.frame_data.json", "step1.frame_data.json"]
    assert "metrics" not in json.loads((out / "sequence.0/step0.frame_data.json").read_text())
    again = CliRunner().invoke(app, ["solo-generate", str(out)])
    assert again.exit_code == 1
    assert f"solo-generate: {out}: already exists (use --overwrite to replace it)" in again.output
