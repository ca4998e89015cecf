"""The demo's recipe: ci_tiny plus EHOI loss weights, which reach the model's config."""

from __future__ import annotations

import pytest

from glovego_data.ehoi_coco import REFERENCE_CATEGORIES
from glovego_data.errors import GlovegoError
from glovego_model.modeling.config import EHOI_DEFAULTS, ehoi_setting
from glovego_pipelines.demo import DEMO_STEPS
from glovego_pipelines.train import build_model_for, load_recipe, merge_options


def test_demo_recipe_is_ci_tiny_with_weighted_side_contact_and_offset_and_more_steps():
    demo, tiny = load_recipe("demo"), load_recipe("ci_tiny")
    changed = ("loss_weights", "max_steps", "recipe")
    assert {k: v for k, v in demo.items() if k not in changed} == {k: v for k, v in tiny.items() if k not in changed}
    assert set(demo["loss_weights"]) == {"side", "contact", "offset"}
    assert demo["max_steps"] == DEMO_STEPS == 2 * tiny["max_steps"]


def test_recipe_loss_weights_reach_the_model_config():
    options = merge_options(load_recipe("demo"), {})
    model = build_model_for(options, list(REFERENCE_CATEGORIES))
    weights = ehoi_setting(model.config, "ehoi_loss_weights")
    assert weights == {**EHOI_DEFAULTS["ehoi_loss_weights"], **options.loss_weights}


def test_unknown_loss_weight_term_is_an_error():
    options = merge_options(load_recipe("ci_tiny"), {"loss_weights": {"sidee": 2.0}})
    with pytest.raises(GlovegoError, match=r"loss_weights: unknown term\(s\) \['sidee'\]"):
        build_model_for(options, list(REFERENCE_CATEGORIES))
