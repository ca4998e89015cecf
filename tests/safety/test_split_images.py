"""`split` refuses an image its own `validate` would reject (0 bytes, not a picture, another size),
before anything is written, in one line naming the file and the image."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

from glovego_data.errors import GlovegoError
from glovego_data.toy_scenes import generate_toy_dataset

sys.path.insert(0, str(Path(__file__).parent))
from safety_trees import tree_digest  # noqa: E402


@pytest.mark.parametrize(("damage", "problem"), [
    ("empty", "cannot decode image: images/{name}"),
    ("text", "cannot decode image: images/{name}"),
    ("size", "file is 32×24, JSON says 64×48"),
])
def test_split_refuses_images_validate_rejects(tmp_path, damage, problem):
    from glovego_pipelines.split import run_split

    root = tmp_path / "real"
    generate_toy_dataset(root, 6, size=(64, 48), seed=2, synthetic=False, split="all")
    path = root / "annotations" / "all.json"
    data = json.loads(path.read_text())
    image = data["images"][2]
    if damage == "empty":
        (root / "images" / image["file_name"]).write_bytes(b"")
    elif damage == "text":
        (root / "images" / image["file_name"]).write_text("<html>not found</html>")
    else:
        PILImage.new("RGB", (32, 24)).save(root / "images" / image["file_name"])
    before = tree_digest(tmp_path)
    out = tmp_path / "pkg"
    with pytest.raises(GlovegoError) as caught:
        run_split(out, real=root)
    assert str(caught.value) == f"{path}: image {image['id']}: " + problem.format(name=image["file_name"])
    assert not out.exists() and not (tmp_path / "pkg.tmp").exists()
    assert tree_digest(tmp_path) == before
