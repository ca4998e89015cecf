"""A small "world" per test: a dataset, a file outside it that no command may touch, and the CLI.

The tiny detector (CI size, random weights, the toy categories) is built once per session and
shared by train / eval / infer checks.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from safety_kit import TOY_CATEGORIES, TOY_SIZE, World  # noqa: E402


@pytest.fixture(scope="session")
def toy_template(tmp_path_factory) -> Path:
    """A 3-image synthetic root (masks, depth, keypoints), copied into each world."""
    from glovego_data.toy_scenes import generate_toy_dataset

    root = tmp_path_factory.mktemp("toy") / "data"
    generate_toy_dataset(root, 3, size=TOY_SIZE, seed=5)
    return root


@pytest.fixture
def world(tmp_path: Path, toy_template: Path) -> World:
    shutil.copytree(toy_template, tmp_path / "data")
    PILImage.new("RGB", TOY_SIZE, (200, 10, 10)).save(tmp_path / "secret.png")  # decodes, and has the toy size
    return World(tmp_path)


@pytest.fixture(scope="session")
def tiny_detector(tmp_path_factory) -> Path:
    """A save_pretrained folder of a CI-size EHOI detector with the toy categories."""
    import torch

    from glovego_model.modeling import build_model

    path = tmp_path_factory.mktemp("detector") / "tiny"
    model = build_model(TOY_CATEGORIES, size="ci", seed=0, contact_modality="rgb", image_size=[64, 64])
    hand = len(TOY_CATEGORIES) - 1
    with torch.no_grad():  # lift the hand class over the 19 object classes so the records hold hands and objects
        for head in (model.class_embed[-1], model.model.decoder.class_embed[-1]):
            head.bias[hand] = head.bias[:hand].max() + 0.4
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def solo_template(tmp_path_factory) -> Path:
    """A 2-frame SOLO export from our generator."""
    from glovego_data.solo.generator import generate_solo

    path = tmp_path_factory.mktemp("solo") / "solo"
    generate_solo(path, sequences=1, steps=2, width=64, height=48, seed=0)
    return path
