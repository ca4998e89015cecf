"""One test per edge case of solo.md §7, each asserting the exact error message or report entry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from glovego_data.errors import GlovegoError
from glovego_data.exr import write_exr
from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.colors import instance_color

sys.path.insert(0, str(Path(__file__).parent))
from solo_kit import HAND_TEMPLATE_LABELS, SoloBuilder, basic_scene, hand_keypoints, new_solo, rect, run_convert  # noqa: E402

FRAME0 = "sequence.0/step0.frame_data.json"


@pytest.fixture
def solo(tmp_path: Path) -> SoloBuilder:
    return new_solo(tmp_path)


def _warning(report, kind: str) -> dict:
    return report.warnings.as_dict()[kind]


def _fails(src: Path, out: Path, message: str, **kwargs) -> None:
    with pytest.raises(GlovegoError) as caught:
        run_convert(src, out, **kwargs)
    assert str(caught.value) == message
    assert not out.exists() and not out.with_name(out.name + ".tmp").exists()


def _skips(src: Path, out: Path, record: dict, **kwargs) -> None:
    report, _ = run_convert(src, out, skip_bad=True, **kwargs)
    assert report.skipped == [record]
    assert json.loads((out / "skipped.json").read_text()) == [record]
    assert json.loads((out / "report.json").read_text())["skipped"] == [record]


# 1 ------------------------------------------------------------------------------------------------
def test_01_root_forms_and_metadata_folder(tmp_path: Path) -> None:
    parent = tmp_path / "runs"
    for name, where in (("solo", ""), ("solo_2", "metadata")):
        builder = SoloBuilder(parent / name)
        builder.definitions(where=where)
        builder.add(0, 0, basic_scene(builder))
    report, data = run_convert(parent, tmp_path / "out")
    assert [img["id"] for img in data["images"]] == [1, 2]
    assert [img["video"] for img in data["images"]] == ["solo/sequence.0", "solo_2/sequence.0"]
    assert "definition files missing" not in report.warnings.counts
    assert [a["id"] for a in data["annotations"]] == list(range(1, 9))
    single, _ = run_convert(parent / "solo_2", tmp_path / "out_single")
    assert single.images == 1 and not single.warnings.counts


# 2 ------------------------------------------------------------------------------------------------
def test_02_definitions_missing_categories_from_frames(tmp_path: Path) -> None:
    builder = SoloBuilder(tmp_path / "solo")
    builder.add(0, 0, basic_scene(builder))
    report, data = run_convert(builder.root, tmp_path / "out")
    assert data["info"]["ehoi"]["categories"] == "reference-20" and len(data["categories"]) == 20
    _, labels = run_convert(builder.root, tmp_path / "out_labels", {"categories": {"set": "labels"}})
    assert [c["name"] for c in labels["categories"]] == ["pliers", "socket", "hand"]
    entry = _warning(report, "definition files missing (categories taken from the frames)")
    assert entry["examples"] == ["solo: annotation_definitions.json, sensor_definitions.json, metadata.json"]


def test_02_definitions_missing_with_hand_keypoints_needs_names(tmp_path: Path) -> None:
    builder = SoloBuilder(tmp_path / "solo")
    points = [(21.0 + i % 5, 11.0 + i, 2) for i in range(21)]
    builder.add(0, 0, basic_scene(builder), keypoints=[hand_keypoints(12, points)])
    _fails(builder.root, tmp_path / "out",
           "keypoint template hand-template-0001 is not defined (annotation_definitions.json missing); "
           "give [keypoints] names in the mapping file")
    report, data = run_convert(builder.root, tmp_path / "out2", {"keypoints": {"names": HAND_TEMPLATE_LABELS}})
    hand = next(a for a in data["annotations"] if a["instance_id"] == 12)
    assert hand["num_keypoints"] == 21 and hand["keypoints"][:3] == [20.5, 10.5, 2]


# 3, 4 ---------------------------------------------------------------------------------------------
def test_03_04_wrong_totals_uneven_steps_and_numeric_sort(solo: SoloBuilder, tmp_path: Path) -> None:
    for seq, step in ((10, 0), (9, 0), (0, 2), (0, 0), (3, 11), (3, 2)):
        solo.add(seq, step, basic_scene(solo))
    _, data = run_convert(solo.root, tmp_path / "out")
    order = [(img["solo"]["sequence"], img["solo"]["step"]) for img in data["images"]]
    assert order == [(0, 0), (0, 2), (3, 2), (3, 11), (9, 0), (10, 0)]
    assert [img["id"] for img in data["images"]] == [1, 2, 3, 4, 5, 6]


# 5 ------------------------------------------------------------------------------------------------
def test_05_truncated_frame_json(solo: SoloBuilder, tmp_path: Path) -> None:
    text = json.dumps(solo.frame(0, 0, basic_scene(solo)))
    solo.save(0, 0, text[: len(text) // 2])
    try:
        json.loads(text[: len(text) // 2])
    except json.JSONDecodeError as error:
        parser = str(error)
    _fails(solo.root, tmp_path / "out", f"{FRAME0}: not valid JSON ({parser})")
    _skips(solo.root, tmp_path / "out2", {"frame": FRAME0, "file": FRAME0, "reason": f"not valid JSON ({parser})"})


# 6 ------------------------------------------------------------------------------------------------
def test_06_sequence_mismatch_warns_on_the_real_sample(shared_fixtures: Path, tmp_path: Path) -> None:
    report, data = run_convert(shared_fixtures / "solo" / "pysolotools-solo", tmp_path / "out")
    assert _warning(report, "frame JSON 'sequence' differs from its folder") == {
        "count": 1, "examples": ["sequence.1/step0.frame_data.json"]}
    assert data["images"][1]["solo"] == {"dataset": "pysolotools-solo", "sequence": 1, "step": 0, "frame": 2, "sensor": "camera"}


# 7 ------------------------------------------------------------------------------------------------
def test_07_omitted_lists_give_an_image_without_annotations(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, [])
    capture = frame["captures"][0]
    capture["annotations"] = [a for a in capture["annotations"] if "Instance" in a["@type"]]
    del capture["annotations"][0]["instances"]
    solo.save(0, 0, frame)
    frame2 = solo.frame(0, 1, [])
    del frame2["captures"][0]["annotations"]
    solo.save(0, 1, frame2)
    report, data = run_convert(solo.root, tmp_path / "out")
    assert len(data["images"]) == 2 and data["annotations"] == []
    assert report.frames_converted == 2


# 8 ------------------------------------------------------------------------------------------------
def test_08_step_without_rgb_capture(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo))
    solo.save(0, 1, {"frame": 1, "sequence": 0, "step": 1, "metrics": [
        {"@type": "type.unity.com/unity.solo.GenericMetric", "id": "x", "sensorId": "", "annotationId": "", "value": 1}]})
    report, data = run_convert(solo.root, tmp_path / "out")
    assert len(data["images"]) == 1
    assert _warning(report, "steps without an image") == {"count": 1, "examples": ["sequence.0/step1.frame_data.json"]}


# 9 ------------------------------------------------------------------------------------------------
def _to_prototype(frame: dict) -> dict:
    """The pre-release spelling: snake_case keys, `rgba`, `…Definition` types, scalar `value`, null ids."""
    capture = frame["captures"][0]
    for ann in capture["annotations"]:
        ann["@type"] += "Definition"
        ann["sensor_id"] = ann.pop("sensorId")
        for v in ann.get("values", []):
            v["instance_id"], v["label_id"], v["label_name"] = v.pop("instanceId"), v.pop("labelId"), v.pop("labelName")
        for v in ann.get("instances", []):
            v["instance_id"], v["label_id"], v["label_name"] = v.pop("instanceId"), v.pop("labelId"), v.pop("labelName")
            v["rgba"] = v.pop("color")
        if "imageFormat" in ann:
            ann["image_format"] = ann.pop("imageFormat").upper()
    capture["image_format"] = capture.pop("imageFormat").lower()
    capture["intrinsic"] = [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0]
    frame["metrics"] = [{"@type": "type.unity.com/unity.solo.GenericMetric", "id": "scenario_iteration",
                         "sensor_id": None, "annotation_id": "", "value": 3}]
    return frame


def test_09_key_aliases_read_the_same(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo))
    _, modern = run_convert(solo.root, tmp_path / "out")
    solo.save(0, 0, _to_prototype(solo.frame(0, 0, basic_scene(solo))))
    _, old = run_convert(solo.root, tmp_path / "out2")
    assert old["annotations"] == modern["annotations"] and old["categories"] == modern["categories"]


# 10 -----------------------------------------------------------------------------------------------
def test_10_custom_type_ignored_and_listed(shared_fixtures: Path, tmp_path: Path) -> None:
    report, data = run_convert(shared_fixtures / "solo" / "pysolotools-solo-custom-type", tmp_path / "out")
    assert report.ignored_types["CustomTestType"] == 1
    assert json.loads((tmp_path / "out" / "report.json").read_text())["ignored_annotation_types"] == {
        "BoundingBox3DAnnotation": 1, "CustomTestType": 1, "SemanticSegmentationAnnotation": 1}
    assert len(data["annotations"]) == 3


# 11 -----------------------------------------------------------------------------------------------
def test_11_float_dimension_casing_crlf_exponent_nan(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo))
    _, reference = run_convert(solo.root, tmp_path / "out")
    frame = solo.frame(0, 0, basic_scene(solo))
    frame["captures"][0]["imageFormat"] = "PNG"
    frame["captures"][0]["dimension"] = [64.0, 48.0]
    frame["captures"][0]["position"] = ["NAN_TOKEN", 5.39662e8, 0.0]
    text = json.dumps(frame, indent=1).replace('"NAN_TOKEN"', "NaN").replace("539662000.0", "5.39662E+08")
    solo.save(0, 0, text.replace("\n", "\r\n"))
    assert "5.39662E+08" in text and "NaN" in text
    _, data = run_convert(solo.root, tmp_path / "out2")
    assert data["annotations"] == reference["annotations"]


# 12 -----------------------------------------------------------------------------------------------
def test_12_rgb_filename_null(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, basic_scene(solo))
    frame["captures"][0]["filename"] = None
    solo.save(0, 0, frame)
    _fails(solo.root, tmp_path / "out", f"{FRAME0}: capture 'camera' has no RGB file (filename is null)")
    _skips(solo.root, tmp_path / "out2",
           {"frame": FRAME0, "file": FRAME0, "reason": "capture 'camera' has no RGB file (filename is null)"})


# 13, 31, 34 ----------------------------------------------------------------------------------------
def test_13_31_34_string_ids_sentinels_fallback_and_unknowns(solo: SoloBuilder, tmp_path: Path) -> None:
    scene = basic_scene(solo)
    scene[2]["label"] = "hand"  # no side token: side from metadata or −1
    solo.labels["hand"] = 9
    solo.definitions()
    metadata = [{"instanceId": "13", "hand_object_interaction": {"hand_side": -1, "contact_state": -1, "id_obj": -1,
                                                                 "dx": -1.0, "dy": -1.0, "magnitude": -1.0}}]
    solo.add(0, 0, scene, metadata=metadata)
    report, data = run_convert(solo.root, tmp_path / "out")
    right = next(a for a in data["annotations"] if a["instance_id"] == 12)
    left = next(a for a in data["annotations"] if a["instance_id"] == 13)
    assert (left["hand_side"], left["contact_state"], left["gloves"], left["id_obj"]) == (-1, -1, -1, -1)
    # no metadata entry for hand 12: geometric fallback finds the pliers it touches
    pliers = next(a for a in data["annotations"] if a["instance_id"] == 31)
    assert (right["hand_side"], right["contact_state"], right["id_obj"], right["gloves"]) == (1, 1, pliers["id"], -1)
    assert report.contact_source == "mixed" == data["info"]["ehoi"]["contact_source"]
    assert dict(report.contact_sources) == {"metadata": 1, "geometry": 1}


# 14 -----------------------------------------------------------------------------------------------
def test_14_several_cameras_and_include_filter(solo: SoloBuilder, tmp_path: Path) -> None:
    front = solo.frame(0, 0, basic_scene(solo), sensor="front")
    head = solo.frame(0, 0, basic_scene(solo)[:2], sensor="head")
    front["captures"].append(head["captures"][0])
    solo.save(0, 0, front)
    _, data = run_convert(solo.root, tmp_path / "out")
    assert [(i["id"], i["solo"]["sensor"]) for i in data["images"]] == [(1, "front"), (2, "head")]
    assert data["images"][0]["video"] == data["images"][1]["video"] == "solo/sequence.0"
    assert sum(a["image_id"] == 2 for a in data["annotations"]) == 2
    _, only = run_convert(solo.root, tmp_path / "out2", {"cameras": {"include": ["head"]}})
    assert [i["solo"]["sensor"] for i in only["images"]] == ["head"]


# 15 -----------------------------------------------------------------------------------------------
def test_15_several_labelers_of_one_type(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, basic_scene(solo))
    other = json.loads(json.dumps(frame["captures"][0]["annotations"][0]))
    other["id"] = "tools only"
    other["values"] = [dict(v, labelId=7, labelName="socket", instanceId=40, origin=[50.0, 2.0], dimension=[10.0, 8.0])
                       for v in other["values"][:1]]  # label id 7 collides with "Right Hand"
    frame["captures"][0]["annotations"].append(other)
    solo.save(0, 0, frame)
    defs_path = solo.root / "annotation_definitions.json"
    defs = json.loads(defs_path.read_text())
    defs["annotationDefinitions"].append(dict(defs["annotationDefinitions"][0], id="tools only"))
    defs_path.write_text(json.dumps(defs))
    report, data = run_convert(solo.root, tmp_path / "out")
    assert report.other_labelers == {"BoundingBox2DAnnotation": ["tools only"]}
    assert len(data["annotations"]) == 4
    socket_id = next(c["id"] for c in data["categories"] if c["name"] == "socket")
    _, named = run_convert(solo.root, tmp_path / "out2", {"labelers": {"bbox": "tools only"}})
    with_box = [a for a in named["annotations"] if a["instance_id"] == 40]
    assert with_box[0]["category_id"] == socket_id  # by name, never by the colliding id
    with pytest.raises(DatasetError, match="labelers.bbox: no BoundingBox2DAnnotation labeler 'nope'"):
        run_convert(solo.root, tmp_path / "out3", {"labelers": {"bbox": "nope"}})


# 16, 20 --------------------------------------------------------------------------------------------
def test_16_20_names_with_spaces_and_unopened_files(shared_fixtures: Path, tmp_path: Path) -> None:
    src = tmp_path / "fiftyone"
    shutil.copytree(shared_fixtures / "solo" / "fiftyone-keypoints", src)
    for semantic in src.glob("sequence.*/*semantic segmentation.png"):
        semantic.chmod(0o644)
        semantic.unlink()  # semantic files are never opened
    report, data = run_convert(src, tmp_path / "out")
    assert report.frames_converted == 10 and len(data["images"]) == 10
    assert all("segmentation" in a for a in data["annotations"])


# 17 -----------------------------------------------------------------------------------------------
def test_17_jpeg_and_rgba_rgb_copied_as_is(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, basic_scene(solo))
    rgba = PILImage.open(solo.root / "sequence.0" / "step0.camera.png")
    rgba.convert("RGB").save(solo.root / "sequence.0" / "step0.camera.jpg", quality=90)
    frame["captures"][0]["filename"] = "step0.camera.jpg"
    frame["captures"][0]["imageFormat"] = "Jpg"
    solo.save(0, 0, frame)
    solo.add(0, 1, basic_scene(solo))
    _, data = run_convert(solo.root, tmp_path / "out")
    assert [i["file_name"] for i in data["images"]] == ["camera_1.jpg", "camera_2.png"]
    for name, source in (("camera_1.jpg", "step0.camera.jpg"), ("camera_2.png", "step1.camera.png")):
        assert (tmp_path / "out" / "images" / name).read_bytes() == (solo.root / "sequence.0" / source).read_bytes()
    assert PILImage.open(tmp_path / "out" / "images" / "camera_2.png").mode == "RGBA"


# 18 -----------------------------------------------------------------------------------------------
def test_18_mask_stored_as_jpeg(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, basic_scene(solo))
    seg = frame["captures"][0]["annotations"][1]
    PILImage.open(solo.root / "sequence.0" / seg["filename"]).convert("RGB").save(solo.root / "sequence.0" / "step0.camera.mask.jpg")
    seg["filename"], seg["imageFormat"] = "step0.camera.mask.jpg", "Jpg"
    solo.save(0, 0, frame)
    problem = "instance segmentation stored as JPEG; exact colour matching needs PNG"
    _fails(solo.root, tmp_path / "out", f"sequence.0/step0.camera.mask.jpg: {problem}")
    _skips(solo.root, tmp_path / "out2", {"frame": FRAME0, "file": "sequence.0/step0.camera.mask.jpg", "reason": problem})


# 19 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which,name,ref", [
    ("rgb", "step0.camera.png", "capture 'camera'"),
    ("mask", "step0.camera.instance segmentation.png", "annotation 'instance segmentation'"),
    ("depth", "step0.camera.Depth.exr", "annotation 'Depth'"),
])
@pytest.mark.parametrize("state", ["missing", "empty"])
def test_19_referenced_file_missing_or_empty(solo: SoloBuilder, tmp_path: Path, which: str, name: str, ref: str, state: str) -> None:
    solo.add(0, 0, basic_scene(solo), depth=np.full((48, 64), 1.5, np.float32))
    path = solo.root / "sequence.0" / name
    if state == "missing":
        path.unlink()
        problem = f"file not found (referenced by {FRAME0}, {ref})"
    else:
        path.write_bytes(b"")
        problem = f"file is empty (referenced by {FRAME0}, {ref})"
    _fails(solo.root, tmp_path / "out", f"sequence.0/{name}: {problem}")
    _skips(solo.root, tmp_path / "out2", {"frame": FRAME0, "file": f"sequence.0/{name}", "reason": problem})


# 21 -----------------------------------------------------------------------------------------------
def test_21_undecodable_png_and_exr(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo), depth=np.full((48, 64), 1.5, np.float32))
    mask = solo.root / "sequence.0" / "step0.camera.instance segmentation.png"
    good = mask.read_bytes()
    mask.write_bytes(b"not a png at all")
    _fails(solo.root, tmp_path / "out",
           "sequence.0/step0.camera.instance segmentation.png: cannot decode PNG (OpenCV could not read the file)")
    mask.write_bytes(good)
    exr = solo.root / "sequence.0" / "step0.camera.Depth.exr"
    exr.write_bytes(exr.read_bytes()[:300])
    with pytest.raises(FrameError) as caught:
        run_convert(solo.root, tmp_path / "out2")
    assert caught.value.file == "sequence.0/step0.camera.Depth.exr"
    assert caught.value.problem.startswith("cannot decode EXR (")


def test_21_unsupported_exr_compression(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo), depth=np.full((48, 64), 1.5, np.float32))
    exr = solo.root / "sequence.0" / "step0.camera.Depth.exr"
    data = bytearray(exr.read_bytes())
    at = data.index(b"compression\0compression\0") + len(b"compression\0compression\0") + 4
    data[at] = 4  # PIZ
    exr.write_bytes(bytes(data))
    with pytest.raises(FrameError) as caught:
        run_convert(solo.root, tmp_path / "out")
    assert str(caught.value).startswith("sequence.0/step0.camera.Depth.exr: cannot decode EXR (")
    assert "PIZ" in caught.value.problem


# 22 -----------------------------------------------------------------------------------------------
def test_22_mask_and_depth_size_differ(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo), depth=np.full((48, 64), 1.5, np.float32))
    write_exr(solo.root / "sequence.0" / "step0.camera.Depth.exr", {"R": np.ones((40, 60), np.float32)})
    _fails(solo.root, tmp_path / "out", "sequence.0/step0.camera.Depth.exr: size 60×40 differs from the RGB 64×48")
    solo.add(0, 0, basic_scene(solo))
    PILImage.new("RGBA", (32, 48)).save(solo.root / "sequence.0" / "step0.camera.instance segmentation.png")
    _fails(solo.root, tmp_path / "out2",
           "sequence.0/step0.camera.instance segmentation.png: size 32×48 differs from the RGB 64×48")


# 23 -----------------------------------------------------------------------------------------------
def test_23_box_mask_mismatches(solo: SoloBuilder, tmp_path: Path) -> None:
    h, w = solo.height, solo.width
    frame = solo.frame(0, 0, [
        {"id": 31, "label": "pliers", "mask": rect(h, w, 30, 14, 40, 24), "box": False},  # mask without box: OK
        {"id": 40, "label": "socket", "mask": None, "box": [50.0, 2.0, 10.0, 8.0]},  # box without mask: W
        {"id": 41, "label": "socket", "mask": np.zeros((h, w), bool), "box": False},  # 0-pixel mask: dropped
        {"id": 42, "label": "socket", "mask": rect(h, w, 2, 2, 6, 6), "box": [2.0, 2.0, 0.0, 4.0]},  # zero-size box
    ])
    seg = solo.root / "sequence.0" / "step0.camera.instance segmentation.png"
    pixels = np.array(PILImage.open(seg))
    pixels[40:44, 40:44] = (1, 2, 3, 255)  # a colour no JSON entry lists
    PILImage.fromarray(pixels, "RGBA").save(seg)
    solo.save(0, 0, frame)
    report, data = run_convert(solo.root, tmp_path / "out")
    by_instance = {a["instance_id"]: a for a in data["annotations"]}
    assert sorted(by_instance) == [31, 40]
    assert by_instance[31]["bbox"] == [30, 14, 10, 10] and by_instance[31]["area"] == 100
    assert by_instance[40]["area"] == 80 and "segmentation" not in by_instance[40]
    warnings = report.warnings.as_dict()
    assert warnings["boxes without a mask (area = w·h)"]["count"] == 1
    assert warnings["instances with no box and 0 mask pixels (dropped)"]["count"] == 1
    assert warnings["zero-size boxes (dropped)"]["count"] == 1
    assert warnings["mask colours no JSON entry lists (pixels ignored)"] == {
        "count": 1, "examples": ["sequence.0/step0.camera.instance segmentation.png"]}


# 24, 29 -------------------------------------------------------------------------------------------
def test_24_29_border_cut_and_out_of_image_keypoints(solo: SoloBuilder, tmp_path: Path) -> None:
    scene = basic_scene(solo)
    scene[2]["box"] = [0.0, 30.0, 8.0, 18.0]  # the exported hand box (forearm included) is kept as is
    points = [(3.0, 31.0 + i * 0.5, 2) for i in range(21)]
    points[8] = (0.0, 0.0, 0)  # index tip outside the image
    points[4] = (5.0, 40.0, 1)
    solo.add(0, 0, scene, keypoints=[hand_keypoints(13, points)])
    _, data = run_convert(solo.root, tmp_path / "out")
    left = next(a for a in data["annotations"] if a["instance_id"] == 13)
    assert left["bbox"] == [0, 30, 8, 18] and left["area"] == 8 * 15
    assert left["keypoints"][8 * 3 : 8 * 3 + 3] == [0, 0, 0]
    assert left["keypoints"][4 * 3 : 4 * 3 + 3] == [4.5, 39.5, 1]
    assert left["num_keypoints"] == 20


# 25 -----------------------------------------------------------------------------------------------
def test_25_mask_in_pieces(solo: SoloBuilder, tmp_path: Path) -> None:
    h, w = solo.height, solo.width
    pieces = rect(h, w, 5, 5, 15, 15) | rect(h, w, 30, 30, 40, 40)
    solo.add(0, 0, [{"id": 31, "label": "pliers", "mask": pieces}])
    _, poly = run_convert(solo.root, tmp_path / "out")
    assert len(poly["annotations"][0]["segmentation"]) == 2 and poly["annotations"][0]["area"] == 200
    _, rle = run_convert(solo.root, tmp_path / "out2", mask_format="rle")
    from pycocotools import mask as mask_utils

    decoded = mask_utils.decode(rle["annotations"][0]["segmentation"] | {"counts": rle["annotations"][0]["segmentation"]["counts"].encode()})
    assert np.array_equal(decoded.astype(bool), pieces) and rle["info"]["ehoi"]["segmentation"] == "rle"


# 26 -----------------------------------------------------------------------------------------------
def test_26_keypoints_without_box_or_mask_dropped(solo: SoloBuilder, tmp_path: Path) -> None:
    points = [(1.0, 1.0, 1)] * 21
    solo.add(0, 0, basic_scene(solo), keypoints=[hand_keypoints(99, points)])
    report, data = run_convert(solo.root, tmp_path / "out")
    assert _warning(report, "keypoints of instances with no box and no mask (dropped)") == {"count": 1, "examples": [FRAME0]}
    assert all(a["keypoints"] == [] for a in data["annotations"])


# 27 -----------------------------------------------------------------------------------------------
def test_27_keypoint_count_differs_from_template(solo: SoloBuilder, tmp_path: Path) -> None:
    value = hand_keypoints(12, [(21.0, 11.0, 2)] * 21)
    value["keypoints"] = value["keypoints"][:18]
    solo.add(0, 0, basic_scene(solo), keypoints=[value])
    problem = "instance 12: 18 keypoints, template 'MediaPipeHand' has 21"
    _fails(solo.root, tmp_path / "out", f"{FRAME0}: {problem}")
    _skips(solo.root, tmp_path / "out2", {"frame": FRAME0, "file": FRAME0, "reason": problem})


# 28 -----------------------------------------------------------------------------------------------
def test_28_template_lacks_canonical_names(tmp_path: Path) -> None:
    builder = SoloBuilder(tmp_path / "solo")
    labels = ["wrist"] + [f"joint{i}" for i in range(1, 21)]
    builder.definitions(template_labels=labels)
    builder.add(0, 0, basic_scene(builder), keypoints=[hand_keypoints(12, [(21.0, 11.0, 2)] * 21)])
    missing = "thumb_cmc, thumb_mcp, thumb_ip, thumb_tip, index_mcp, index_pip, index_dip, index_tip, middle_mcp, " \
              "middle_pip, middle_dip, middle_tip, ring_mcp, ring_pip, ring_dip, ring_tip, pinky_mcp, pinky_pip, pinky_dip, pinky_tip"
    message = (f"annotation_definitions.json: keypoint template 'MediaPipeHand' (hand-template-0001) has no keypoint for "
               f"{missing}; add [keypoints.aliases] to the mapping file")
    _fails(builder.root, tmp_path / "out", message)
    _fails(builder.root, tmp_path / "out2", message, skip_bad=True)  # a dataset error is never skipped
    from glovego_data.ehoi_coco import KEYPOINT_NAMES

    aliases = {f"joint{i}": KEYPOINT_NAMES[i] for i in range(1, 21)}
    _, data = run_convert(builder.root, tmp_path / "out3", {"keypoints": {"aliases": aliases}})
    assert next(a for a in data["annotations"] if a["instance_id"] == 12)["num_keypoints"] == 21


# 30 -----------------------------------------------------------------------------------------------
def test_30_colour_from_formula_and_ids_above_1024(solo: SoloBuilder, tmp_path: Path) -> None:
    h, w = solo.height, solo.width
    big = 1024 + (7 << 24) + 0x00FF00  # alpha 247 and the same RGB as... a low id never uses
    frame = solo.frame(0, 0, [
        {"id": 31, "label": "pliers", "mask": rect(h, w, 30, 14, 40, 24)},
        {"id": big, "label": "socket", "mask": rect(h, w, 0, 0, 10, 10)},
        {"id": 1024 + 0x00FF00, "label": "socket", "mask": rect(h, w, 50, 30, 60, 40)},  # same RGB, alpha 254
    ])
    for v in frame["captures"][0]["annotations"][1]["instances"]:
        if v["instanceId"] == 31:
            del v["color"]  # computed from the id
    solo.save(0, 0, frame)
    assert instance_color(big)[:3] == instance_color(1024 + 0x00FF00)[:3]
    _, data = run_convert(solo.root, tmp_path / "out")
    areas = {a["instance_id"]: (a["bbox"], a["area"]) for a in data["annotations"]}
    assert areas == {31: ([30, 14, 10, 10], 100), big: ([0, 0, 10, 10], 100), 1024 + 0x00FF00: ([50, 30, 10, 10], 100)}


# 32 -----------------------------------------------------------------------------------------------
def _interaction(iid: int, contact: int, obj: int) -> dict:
    return {"instanceId": str(iid), "hand_object_interaction": {"hand_side": 1, "contact_state": contact, "id_obj": obj,
                                                                "dx": 5.0, "dy": -3.0, "magnitude": 9.0}}


def test_32_active_object_not_visible_unresolvable_ambiguous(solo: SoloBuilder, tmp_path: Path) -> None:
    h, w = solo.height, solo.width
    scene = basic_scene(solo) + [{"id": 50, "label": "pliers", "mask": rect(h, w, 45, 40, 50, 45)}]
    solo.add(0, 0, scene, metadata=[_interaction(12, 1, 777), _interaction(13, 1, 12)])
    report, data = run_convert(solo.root, tmp_path / "out")
    hands = {a["instance_id"]: a for a in data["annotations"] if "hand_side" in a}
    assert (hands[12]["contact_state"], hands[12]["id_obj"], hands[12]["bbox_obj"]) == (1, -1, [])
    assert (hands[13]["contact_state"], hands[13]["id_obj"]) == (1, -1)
    warnings = report.warnings.as_dict()
    assert warnings["contact without a visible active object (contact kept, id_obj -1)"]["count"] == 1
    assert warnings["id_obj points at a hand or the hand itself (not resolved)"]["count"] == 1
    # labelId space: two pliers share label 6 → the nearer box centre wins, counted
    solo.add(0, 0, scene, metadata=[_interaction(12, 1, 6)])
    report, data = run_convert(solo.root, tmp_path / "out2", {"interaction": {"id_space": "labelId"}})
    hand = next(a for a in data["annotations"] if a["instance_id"] == 12)
    near = next(a for a in data["annotations"] if a["instance_id"] == 31)
    assert hand["id_obj"] == near["id"] and hand["bbox_obj"] == near["bbox"]
    assert report.warnings.counts["ambiguous id_obj (nearest object box taken)"] == 1


# 33 -----------------------------------------------------------------------------------------------
def test_33_offsets_from_boxes_not_the_simulator_vector(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo), metadata=[_interaction(12, 1, 31)])
    _, data = run_convert(solo.root, tmp_path / "out")
    hand = next(a for a in data["annotations"] if a["instance_id"] == 12)
    # hand box (20,10,10,20) centre (25, 20); pliers (30,14,10,10) centre (35, 19): v = (10, −1)
    norm = (10**2 + 1) ** 0.5
    assert (hand["dx"], hand["dy"]) == (round(10 / norm, 6), round(-1 / norm, 6))
    assert hand["magnitude"] == round(norm / (64**2 + 48**2) ** 0.5, 6)


# 35 -----------------------------------------------------------------------------------------------
def test_35_label_outside_explicit_set(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo))
    _fails(solo.root, tmp_path / "out", f"label 'socket' ({FRAME0}) is not in the category set",
           mapping={"categories": {"set": ["pliers"]}})
    report, data = run_convert(solo.root, tmp_path / "out2", {"categories": {"set": ["pliers"], "unknown": "skip"}})
    assert [c["name"] for c in data["categories"]] == ["pliers", "hand"]
    assert report.warnings.as_dict()["labels outside the category set (instances skipped)"] == {
        "count": 1, "examples": [f"{FRAME0}: socket"]}


# 36 -----------------------------------------------------------------------------------------------
def test_36_no_frames_and_perception_json(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(empty, tmp_path / "out", f"{empty}: no SOLO sequences found")
    old = tmp_path / "old"
    (old / "Dataset1234abcd").mkdir(parents=True)
    (old / "Dataset1234abcd" / "captures_000.json").write_text("{}")
    _fails(old, tmp_path / "out", f"{old}: this is the older Perception JSON format (captures_000.json), not SOLO")


# 37 -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_37_exr_when_cv2_was_imported_without_the_flag(solo: SoloBuilder, tmp_path: Path) -> None:
    depth = np.linspace(0.3, 4.0, 48 * 64, dtype=np.float32).reshape(48, 64)
    solo.add(0, 0, basic_scene(solo), depth=depth)
    script = (
        "import os, sys; os.environ.pop('OPENCV_IO_ENABLE_OPENEXR', None); import cv2\n"
        "from glovego_data.solo.convert import ConvertOptions, convert_solo\n"
        "from glovego_data.solo.mapping import Mapping\n"
        "convert_solo(sys.argv[1], sys.argv[2], ConvertOptions(Mapping()))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENCV_IO_ENABLE_OPENEXR"}
    subprocess.run([sys.executable, "-c", script, str(solo.root), str(tmp_path / "out")], check=True, env=env)
    from glovego_data.solo.depth_outputs import read_depth_mm

    assert np.abs(read_depth_mm(tmp_path / "out" / "depth_mm" / "camera_1.png") - depth).max() <= 0.0005 + 1e-6


# 38 -----------------------------------------------------------------------------------------------
def test_38_range_measurement_recorded(solo: SoloBuilder, tmp_path: Path) -> None:
    frame = solo.frame(0, 0, basic_scene(solo), depth=np.full((48, 64), 2.0, np.float32))
    frame["captures"][0]["annotations"][-1]["measurementStrategy"] = "Range"
    solo.save(0, 0, frame)
    _, data = run_convert(solo.root, tmp_path / "out")
    assert data["info"]["ehoi"]["depth"]["measurement"] == "Range"


# 39 -----------------------------------------------------------------------------------------------
def test_39_incremental_json_equals_the_format_writer(solo: SoloBuilder, tmp_path: Path) -> None:
    for step in range(3):
        solo.add(0, step, basic_scene(solo), metadata=[_interaction(12, 1, 31)])
    run_convert(solo.root, tmp_path / "out")
    from glovego_data.ehoi_coco import encode_dataset, load_dataset

    for name in ("all.json", "all_hands.json"):
        path = tmp_path / "out" / "annotations" / name
        assert encode_dataset(load_dataset(path)) == path.read_bytes()


# report completeness ------------------------------------------------------------------------------
def test_images_without_depth_are_counted_when_others_have_it(solo: SoloBuilder, tmp_path: Path) -> None:
    solo.add(0, 0, basic_scene(solo), depth=np.full((48, 64), 1.0, np.float32))
    solo.add(0, 1, basic_scene(solo))
    report, data = run_convert(solo.root, tmp_path / "out")
    assert _warning(report, "images without a depth EXR (no depth files)") == {"count": 1, "examples": ["sequence.0/step1.camera.png"]}
    assert [i.get("depth_file") for i in data["images"]] == ["depth_mm/camera_1.png", None]


# §6.5 geometry ------------------------------------------------------------------------------------
def test_geometric_contact_depth_test_rejects_an_object_behind_the_hand(solo: SoloBuilder, tmp_path: Path) -> None:
    scene = basic_scene(solo)  # the right hand (20..30) touches the pliers (30..40) along 10 rows
    depth = np.full((48, 64), 2.0, np.float32)
    depth[10:30, 20:30] = 0.50  # hand
    depth[14:24, 30:40] = 0.52  # pliers at the hand's depth: contact
    solo.add(0, 0, scene, depth=depth)
    depth_behind = depth.copy()
    depth_behind[14:24, 30:40] = 0.90  # the same pliers 40 cm behind: no contact
    solo.add(0, 1, scene, depth=depth_behind)
    report, data = run_convert(solo.root, tmp_path / "out", {"contact": {"mode": "geometry"}})
    hands = [a for a in data["annotations"] if a["instance_id"] == 12]
    pliers = [a for a in data["annotations"] if a["instance_id"] == 31]
    assert (hands[0]["contact_state"], hands[0]["id_obj"]) == (1, pliers[0]["id"])
    assert (hands[1]["contact_state"], hands[1]["id_obj"]) == (0, -1)
    assert report.contact_source == "geometry+depth"
    # the 2-px band holds ~20 pliers pixels: a 50-pixel threshold finds no contact
    _, strict = run_convert(solo.root, tmp_path / "out2", {"contact": {"mode": "geometry", "min_touch_px": 50}})
    assert [a["contact_state"] for a in strict["annotations"] if a["instance_id"] == 12] == [0, 0]
