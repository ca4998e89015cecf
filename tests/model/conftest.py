"""Small generated datasets and a CI-size detector shared by the model tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def toy_root(tmp_path_factory) -> Path:
    """A 6-image synthetic root (128², depth, masks, keypoints) plus a 4-image real-like split."""
    from glovego_data.toy_scenes import generate_toy_dataset

    root = tmp_path_factory.mktemp("toy")
    generate_toy_dataset(root, 6, size=(128, 128), seed=1)
    generate_toy_dataset(root, 4, size=(160, 120), seed=2, synthetic=False, split="real", first_image_id=101)
    return root


@pytest.fixture(scope="session")
def toy_json(toy_root: Path) -> Path:
    return toy_root / "annotations" / "train.json"


@pytest.fixture(scope="session")
def real_json(toy_root: Path) -> Path:
    return toy_root / "annotations" / "real.json"


@pytest.fixture
def tiny_options():
    """Factory of ci_tiny options at 128² for a handful of steps (seconds per run)."""
    return make_tiny_options


def make_tiny_options(train_json: Path, output_dir: Path, **overrides):
    """ci_tiny at 128² for a handful of steps: exercises the real pipeline in seconds."""
    from glovego_pipelines.train import load_recipe, merge_options

    values = dict(train_json=[str(train_json)], output_dir=str(output_dir), max_steps=4, batch_size=2,
                  image_size=128, sizes=[128], progress=False, log_every=1, warmup_steps=1)
    values.update(overrides)
    return merge_options(load_recipe("ci_tiny"), values)
