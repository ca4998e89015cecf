"""The SOLO reader on the real public samples and on hand-written variants (solo.md §2–4)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.keypoints import canonical_name, map_template, normalise_label
from glovego_data.solo.mapping import (
    is_hand_label,
    label_tokens,
    load_mapping,
    mapping_from_dict,
    side_from_label,
)
from glovego_data.solo.reader import discover, iter_frame_refs, read_frame
from glovego_data.solo.schema import (
    BoundingBox2D,
    InstanceSegmentation,
    Keypoints,
    KeypointTemplate,
    UnknownAnnotation,
    parse_frame,
    type_name,
)

sys.path.insert(0, str(Path(__file__).parent))
from solo_kit import HAND_TEMPLATE_LABELS  # noqa: E402


def test_real_sample_reads_every_annotation(shared_fixtures: Path) -> None:
    root = shared_fixtures / "solo" / "pysolotools-solo"
    folders = discover(root)
    assert [f.name for f in folders] == ["pysolotools-solo"]
    defs = folders[0].definitions
    assert set(defs.present) == {"metadata.json", "sensor_definitions.json", "annotation_definitions.json", "metric_definitions.json"}
    assert [s.description for s in defs.sensors] == ["The main camera"]  # `definition` alias
    template = next(iter(defs.templates().values()))
    assert template.name == "Coco" and len(template.labels) == 18 and template.labels[0] == "nose"
    refs = list(iter_frame_refs(root, folders))
    assert [r.rel for r in refs] == ["sequence.0/step0.frame_data.json", "sequence.1/step0.frame_data.json"]
    frame = read_frame(refs[0])
    capture = frame.rgb_captures[0]
    assert capture.dimension == (1024, 768) and capture.filename == "step0.camera.png"
    kinds = [a.type for a in capture.annotations]
    assert "InstanceSegmentationAnnotation" in kinds and "BoundingBox2DAnnotation" in kinds
    seg = next(a for a in capture.annotations if isinstance(a, InstanceSegmentation))
    assert seg.filename == "step0.camera.instance segmentation.png"
    assert [(v.instance_id, v.color) for v in seg.instances][0] == (3, (149, 255, 0, 255))
    kp = next(a for a in capture.annotations if isinstance(a, Keypoints))
    assert len(kp.values[0].points) == 18 and [p.index for p in kp.values[0].points] == list(range(18))
    assert frame.metric("scenario_iteration").values == [0]  # scalar `value` wrapped
    second = read_frame(refs[1])
    assert second.sequence == 0 and refs[1].sequence == 1  # folder name is authoritative
    unknown = [a.type for a in second.rgb_captures[0].annotations if isinstance(a, UnknownAnnotation)]
    assert unknown == ["PixelValueAnnotation", "ExtraAnnotation"]


def test_real_sample_folder_of_several(shared_fixtures: Path) -> None:
    folders = discover(shared_fixtures / "solo")
    assert [f.name for f in folders] == ["fiftyone-keypoints", "pysolotools-solo", "pysolotools-solo-custom-type"]
    refs = list(iter_frame_refs(shared_fixtures / "solo", folders))
    assert len(refs) == 13 and [r.index for r in refs] == list(range(13))
    assert refs[0].rel == "fiftyone-keypoints/sequence.0/step0.frame_data.json"


def test_custom_type_kept_by_name(shared_fixtures: Path) -> None:
    root = shared_fixtures / "solo" / "pysolotools-solo-custom-type"
    frame = read_frame(next(iter_frame_refs(root, discover(root))))
    custom = [a for a in frame.rgb_captures[0].annotations if isinstance(a, UnknownAnnotation)]
    assert [a.type for a in custom] == ["BoundingBox3DAnnotation", "SemanticSegmentationAnnotation", "CustomTestType"]
    assert custom[-1].raw["id"] == "custom test type"


def test_type_names_and_prototype_aliases() -> None:
    assert type_name("type.unity.com/unity.solo.BoundingBox2DAnnotationDefinition") == "BoundingBox2DAnnotation"
    raw = {"captures": [{"@type": "type.unity.com/unity.solo.RGBCameraDefinition", "id": None, "filename": "a.png",
                         "image_format": "PNG", "dimension": [64.0, 48.0], "intrinsic": [1, 0, 0, 0, 1, 0, 0, 0, 1],
                         "annotations": [
                             {"@type": "x.BoundingBox2DAnnotation", "id": "", "sensor_id": None,
                              "values": [{"instance_id": 5, "label_id": 2, "label_name": "pliers",
                                          "origin": [1.0, 2.0], "dimension": [3.0, 4.0]}]},
                             {"@type": "x.InstanceSegmentationAnnotation", "id": "seg", "filename": "m.png",
                              "instances": [{"instance_id": "5", "rgba": [1, 2, 3, 255]}]}]}],
           "metrics": [{"@type": "x.GenericMetric", "id": "m", "sensor_id": None, "value": 7}]}
    frame = parse_frame(raw)
    cap = frame.rgb_captures[0]
    assert cap.id == "" and cap.image_format == "PNG" and cap.matrix[0] == 1.0 and cap.dimension == (64, 48)
    box = cap.annotations[0]
    assert isinstance(box, BoundingBox2D) and box.sensor_id == "" and box.values[0].instance_id == 5
    assert (box.values[0].x, box.values[0].h, box.values[0].label_name) == (1.0, 4.0, "pliers")
    seg = cap.annotations[1]
    assert seg.instances[0].instance_id == 5 and seg.instances[0].color == (1, 2, 3, 255)
    assert frame.metrics[0].values == [7]


def test_omitted_lists_read_as_empty() -> None:
    frame = parse_frame({"frame": 3, "captures": [{"@type": "a.RGBCamera", "id": "camera", "filename": "x.png"}]})
    assert frame.rgb_captures[0].annotations == [] and frame.metrics == [] and frame.sequence is None


def test_invalid_frame_json_is_a_frame_error(tmp_path: Path) -> None:
    seq = tmp_path / "solo" / "sequence.0"
    seq.mkdir(parents=True)
    (seq / "step0.frame_data.json").write_text('{"frame": 1, "captures": [')
    refs = list(iter_frame_refs(tmp_path / "solo", discover(tmp_path / "solo")))
    with pytest.raises(FrameError) as caught:
        read_frame(refs[0])
    assert caught.value.file == "sequence.0/step0.frame_data.json"
    assert caught.value.problem.startswith("not valid JSON (Expecting value: line 1 column")


def test_discovery_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no SOLO sequences found"):
        discover(tmp_path)
    (tmp_path / "captures_000.json").write_text("{}")
    with pytest.raises(DatasetError, match="older Perception JSON format"):
        discover(tmp_path)


# ----- mapping ---------------------------------------------------------------------------------------

def test_mapping_defaults_and_file(tmp_path: Path) -> None:
    default = load_mapping(None)
    assert (default.contact_mode, default.id_space, default.depth_range_m, default.category_set) == ("auto", "instanceId", 5.0, "auto")
    path = tmp_path / "m.toml"
    path.write_text('[interaction]\nid_space = "labelId"\n[contact]\nband_px = 3\n[categories]\nset = ["pliers"]\n'
                    '[depth]\nrange_m = 3\n')
    mapping = load_mapping(path)
    assert (mapping.id_space, mapping.band_px, mapping.category_set, mapping.depth_range_m) == ("labelId", 3, ["pliers"], 3.0)
    assert load_mapping(path, depth_range_m=2.5).depth_range_m == 2.5


def test_shipped_example_mapping_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "assets" / "mapping.example.toml"
    mapping = load_mapping(example)
    assert mapping.tag == "hand_object_interaction" and mapping.contact_mode == "auto"


@pytest.mark.parametrize("text,message", [
    ('[hands]\nlabel = "x"\n', "mapping m.toml: hands.label: unknown key"),
    ('[handz]\nlabels = "x"\n', "mapping m.toml: handz: unknown key"),
    ("[contact]\nband_px = 1.5\n", "mapping m.toml: contact.band_px: expected an integer, got a float"),
    ('[contact]\nmode = "psychic"\n', "mapping m.toml: contact.mode: 'psychic' must be one of auto, metadata, geometry, none"),
    ("[cameras]\ninclude = \"camera\"\n", "mapping m.toml: cameras.include: expected an array of strings, got a string"),
    ('[interaction]\nid_space = "name"\n',
     "mapping m.toml: interaction.id_space: 'name' must be \"instanceId\", \"labelId\" or \"metadata:<key path>\""),
    ("[depth]\nrange_m = 0\n", "mapping m.toml: depth.range_m: must be > 0"),
    ('hands = "x"\n', "mapping m.toml: hands: expected a table, got a string"),
])
def test_mapping_errors(text: str, message: str) -> None:
    import tomllib

    with pytest.raises(DatasetError) as caught:
        mapping_from_dict(tomllib.loads(text), "m.toml")
    assert str(caught.value) == message


def test_mapping_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[contact\n")
    with pytest.raises(DatasetError, match=r"^mapping .*bad.toml: not valid TOML \("):
        load_mapping(path)


@pytest.mark.parametrize("label,hand,side", [
    ("Right Hand", True, 1), ("LeftHand", True, 0), ("hand_R", True, 1), ("Right Hand Glove", True, 1),
    ("hands", True, -1), ("handle", False, -1), ("hand drill", False, -1), ("HAND_L", True, 0), ("glue gun", False, -1),
])
def test_hand_label_token_rule(label: str, hand: bool, side: int) -> None:
    mapping = mapping_from_dict({}, "t")
    assert is_hand_label(label, mapping) is hand
    if hand:
        assert side_from_label(label) == side
    assert label_tokens("LeftHand") == ["left", "hand"]


def test_hand_label_regex() -> None:
    mapping = mapping_from_dict({"hands": {"labels": "^Mano"}}, "t")
    assert is_hand_label("Mano destra", mapping) and not is_hand_label("Right Hand", mapping)


# ----- keypoint aliases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("label,name", [
    ("index_finger_tip", "index_tip"), ("INDEX_FINGER_TIP", "index_tip"), ("IndexTip", "index_tip"),
    ("index4", "index_tip"), ("hand_R_thumb1", "thumb_cmc"), ("Left Pinkie DIP", "pinky_dip"),
    ("little_3", "pinky_dip"), ("mid_pip", "middle_pip"), ("carpal", "wrist"), ("RH.Forefinger.MCP", "index_mcp"),
    ("nose", None),
])
def test_keypoint_alias_table(label: str, name: str | None) -> None:
    assert canonical_name(label, {}) == name


def test_template_mapping_reorders_and_lists_extras() -> None:
    labels = HAND_TEMPLATE_LABELS + ["palm_centre"]
    tmap = map_template(KeypointTemplate("t1", "hand", labels), {})
    assert tmap.slots[0] == HAND_TEMPLATE_LABELS.index("WRIST") == 20
    assert tmap.slots[20] == 0 and tmap.extra_labels == ("palm_centre",) and tmap.size == 22
    assert normalise_label("INDEX_FINGER_TIP") == "index_tip"
