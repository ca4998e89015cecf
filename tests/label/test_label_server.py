"""The whole loop against a real Label Studio 1.23.2 (conftest.py starts it): project with our
config, tasks with pre-annotations, pre-annotations turned into annotations through the API with
scripted corrections, the server's export read back by `label import`."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from glovego_data.ehoi_coco import load_dataset
from glovego_data.label_studio.geometry import keypoint_to_percent

from .fixtures import SAMPLE, every_field_root
from .helpers import differences, glovego, records

pytestmark = pytest.mark.slow

FLIP_IMAGE, DELETE_IMAGE, RELINK_IMAGE, MOVE_IMAGE = 2, 3, 9, 1
MOVE_BY = 1.5  # px, keypoint 0 of image 1's hand


def _client(server):
    from label_studio_sdk.client import LabelStudio

    return LabelStudio(base_url=server.url, api_key=server.token)


def _corrections(expected, result: list[dict], image_id: int) -> None:
    """Apply one scripted correction to a task's result and the same change to the expected dataset."""
    by_image = expected.annotations_by_image().get(image_id, [])
    hands = [a for a in by_image if expected.is_hand(a)]
    objects = [a for a in by_image if not expected.is_hand(a)]
    if image_id == FLIP_IMAGE:
        hand = hands[0]
        for item in result:
            if item.get("id") == f"a{hand.id}" and item["from_name"] == "side":
                item["value"]["choices"] = ["left" if hand.hand_side == 1 else "right"]
        hand.hand_side = 1 - hand.hand_side
    elif image_id == DELETE_IMAGE:
        false_box = next(o for o in objects if all(h.id_obj != o.id for h in hands))
        result[:] = [r for r in result if r.get("id") != f"a{false_box.id}"
                     and f"a{false_box.id}" not in (r.get("from_id"), r.get("to_id"))]
        expected.annotations.remove(false_box)
    elif image_id == RELINK_IMAGE:
        hand = next(h for h in hands if h.id_obj > 0)
        other = next(o for o in objects if o.id != hand.id_obj)
        for item in result:
            if item.get("type") == "relation" and item["from_id"] == f"a{hand.id}":
                item["to_id"] = f"a{other.id}"
        image = expected.image_by_id()[image_id]
        hand.set_active_object(other, image.width, image.height)
    elif image_id == MOVE_IMAGE:
        hand = hands[0]
        image = expected.image_by_id()[image_id]
        hand.keypoints[0] += MOVE_BY
        for item in result:
            if item.get("id") == f"a{hand.id}k0":
                item["value"].update(keypoint_to_percent(hand.keypoints[0], hand.keypoints[1], image.width, image.height))
        hand.keypoints_source = "manual"
    expected.reindex()


def test_label_studio_round_trip(label_studio, tmp_path: Path) -> None:
    root = label_studio.document_root / "site"
    generated = every_field_root(tmp_path / "generated")
    result = glovego("label", "export", SAMPLE, generated, "--out", root / "tasks", "--document-root",
                     label_studio.document_root, "--url", label_studio.url, "--token", label_studio.token,
                     "--project", "round trip")
    assert result.exit_code == 0, result.output
    client = _client(label_studio)
    project = next(p for p in client.projects.list(title="round trip"))
    tasks = list(client.tasks.list(project=project.id, fields="all"))
    assert len(tasks) == 40
    expected = load_dataset(SAMPLE)
    for task in tasks:
        image_id = task.data["glovego"]["image"]["id"]
        assert len(task.predictions) == 1
        result = copy.deepcopy(task.predictions[0]["result"] if isinstance(task.predictions[0], dict)
                               else task.predictions[0].result)
        _corrections(expected, result, image_id)
        client.annotations.create(task.id, result=result, project=project.id, was_cancelled=False)
    # the server serves the images from local files to the labelling page
    import urllib.request

    request = urllib.request.Request(label_studio.url + tasks[0].data["image"],
                                     headers={"Authorization": f"Token {label_studio.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.read(3) == b"\xff\xd8\xff"

    again = glovego("label", "export", SAMPLE, generated, "--out", root / "tasks", "--document-root",
                    label_studio.document_root, "--url", label_studio.url, "--token", label_studio.token,
                    "--project", "round trip", "--overwrite")
    assert again.exit_code == 0, again.output
    assert f"project {project.id} on {label_studio.url}: 0 task(s) added" in again.output  # updated, no duplicates

    back = tmp_path / "real_coco"
    result = glovego("label", "import", "--url", label_studio.url, "--token", label_studio.token, "--project",
                     "round trip", "--images", root / "tasks" / "images", "--out", back, "--allow-incomplete")
    assert result.exit_code == 0, result.output
    got = records(back / "annotations" / "all.json")
    from glovego_data.ehoi_coco import canonicalize, dataset_to_dict

    for want in (dataset_to_dict(canonicalize(expected)), records(generated)):
        ids = {img["id"] for img in want["images"]}
        assert [i for i in got["images"] if i["id"] in ids] == want["images"]
        assert differences(want["annotations"], [a for a in got["annotations"] if a["image_id"] in ids]) == []
    assert glovego("validate", back).exit_code == 0

    refused = glovego("label", "import", "--url", label_studio.url, "--token", "not-a-token", "--project",
                      "round trip", "--images", root / "tasks" / "images", "--out", tmp_path / "refused")
    assert refused.exit_code == 1
    assert "the server refused the token" in refused.output
    assert not (tmp_path / "refused").exists()
