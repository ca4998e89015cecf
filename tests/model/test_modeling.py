"""The detector itself: loss wiring, save/load, freezing, variants, the torchvision guard."""

from __future__ import annotations

import re
import sys

import pytest
import torch

from glovego_data.errors import GlovegoError

CATS = ["box", "tool", "hand"]


def _labels(n_images: int = 2, size: int = 128) -> list[dict[str, torch.Tensor]]:
    out = []
    for i in range(n_images):
        n = 3
        out.append({
            "class_labels": torch.tensor([0, 2, 2]), "boxes": torch.tensor([[.3, .3, .2, .2], [.6, .6, .2, .25], [.2, .8, .15, .2]]),
            "is_hand": torch.tensor([False, True, True]), "side": torch.tensor([-1, 1, 0]), "contact": torch.tensor([-1, 1, 0]),
            "glove": torch.tensor([-1, 0, 1]), "offset": torch.tensor([[0, 0], [-.3, -.3], [0, 0]], dtype=torch.float32),
            "offset_valid": torch.tensor([False, True, False]), "keypoints": torch.rand(n, 21, 2),
            "kp_vis": torch.full((n, 21), 2) * torch.tensor([0, 1, 1])[:, None],
            "masks": torch.zeros(n, size, size, dtype=torch.uint8) if i == 0 else torch.zeros(n, 1, 1, dtype=torch.uint8),
            "mask_valid": torch.tensor([i == 0] * n), "depth": torch.rand(size, size) if i == 0 else torch.zeros(0),
        })
    return out


def _model(**ehoi):
    from glovego_model.modeling import build_model

    return build_model(CATS, size="ci", seed=0, **ehoi)


def test_loss_type_and_every_ehoi_term_present():
    model = _model(contact_modality="mask+rgb+depth+kpts+fusion")
    assert model.loss_type == "RTDetrV2ForObjectDetection"
    model.train()
    out = model(torch.rand(2, 3, 128, 128), labels=_labels())
    assert torch.isfinite(out.loss)
    names = {k for k in out.loss_dict if k.startswith("loss_ehoi")}
    assert names == {f"loss_ehoi_{n}" for n in ("side", "contact", "glove", "offset", "keypoints",
                                                "keypoint_visibility", "depth", "mask", "contact_crop")}
    out.loss.backward()
    assert model.ehoi_contact_crop.classifier.weight.grad is not None
    assert model.ehoi_depth.layers[0].weight.grad.abs().sum() > 0


def test_batch_without_depth_masks_or_hands_trains():
    model = _model()
    model.train()
    labels = _labels()
    for t in labels:
        t["is_hand"][:] = False
        t["class_labels"][:] = 0
        t["mask_valid"][:] = False
        t["depth"] = torch.zeros(0)
    out = model(torch.rand(2, 3, 128, 128), labels=labels)
    assert torch.isfinite(out.loss)
    assert float(out.loss_dict["loss_ehoi_depth"]) == 0.0 and float(out.loss_dict["loss_ehoi_side"]) == 0.0
    out.loss.backward()


def test_loading_prints_nothing_of_transformers(tmp_path, capfd):
    """Its tqdm bar and load report would tear our progress display (infer, eval, train)."""
    from glovego_model.modeling import load_model

    _model().save_pretrained(tmp_path / "m")
    capfd.readouterr()
    load_model(str(tmp_path / "m"))
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err and "LOAD REPORT" not in out + err


def test_save_pretrained_round_trip_gives_identical_outputs(tmp_path):
    from glovego_model.modeling import load_model

    model = _model(contact_modality="mask+rgb+depth+kpts+fusion").eval()
    model.save_pretrained(tmp_path / "m")
    config = (tmp_path / "m" / "config.json").read_text()
    assert '"ehoi_contact_modality": "mask+rgb+depth+kpts+fusion"' in config and '"2": "hand"' in config
    loaded = load_model(str(tmp_path / "m")).eval()
    x = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        a, b = model(x), loaded(x)
    for key in ("logits", "pred_boxes", "keypoints", "offsets", "contact_crop_logits", "depth", "mask_logits"):
        assert torch.equal(torch.nan_to_num(a[key]), torch.nan_to_num(b[key])), key


def test_coco_style_checkpoint_is_reheaded(tmp_path):
    """A plain RT-DETRv2 checkpoint (no ehoi keys, other classes) loads with re-sized class tensors."""
    from transformers import RTDetrV2ForObjectDetection

    from glovego_model.modeling import build_config, load_model

    config = build_config(["a", "b", "c", "d", "e"], size="ci")
    for key in [k for k in vars(config) if k.startswith("ehoi_")]:
        delattr(config, key)
    RTDetrV2ForObjectDetection(config).save_pretrained(tmp_path / "coco")
    model = load_model(str(tmp_path / "coco"), categories=CATS, contact_modality="rgb")
    assert model.config.num_labels == 3 and model.config.ehoi_contact_modality == "rgb"
    assert model.loss_type == "RTDetrV2ForObjectDetection"
    model.train()
    out = model(torch.rand(2, 3, 128, 128), labels=_labels())
    out.loss.backward()


def test_init_pointing_nowhere(tmp_path):
    from glovego_model.modeling import load_model

    with pytest.raises(GlovegoError, match="not a local folder and not in the local hub cache"):
        load_model("nobody/no-such-detector", categories=CATS)


def test_freeze_keeps_parameters_and_batchnorm_statistics(tmp_path):
    from glovego_model.modeling import freeze_modules

    model = _model()
    freeze_modules(model, ["backbone", "depth_module"])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    assert not model.model.backbone.training or all(
        not m.training for m in model.model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    for _ in range(2):
        model.train()
        loss = model(torch.rand(2, 3, 128, 128), labels=_labels()).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    after = model.state_dict()
    frozen = [k for k in before if k.startswith(("model.backbone.", "ehoi_depth."))]
    assert any("running_mean" in k for k in frozen)
    assert all(torch.equal(before[k], after[k]) for k in frozen)
    assert not torch.equal(before["ehoi_side.layers.0.weight"], after["ehoi_side.layers.0.weight"])
    assert not torch.equal(before["model.encoder.pan_blocks.0.conv1.norm.running_mean"],
                           after["model.encoder.pan_blocks.0.conv1.norm.running_mean"])


def test_unknown_freeze_name():
    from glovego_model.modeling import freeze_modules

    with pytest.raises(GlovegoError, match=r"--freeze: unknown module 'neck'; valid: backbone, encoder"):
        freeze_modules(_model(), ["neck"])


@pytest.mark.parametrize("arch", ["rt_detr", "d_fine"])
def test_variants_train_one_step(arch):
    from glovego_model.modeling import build_model

    model = build_model(CATS, arch=arch, size="ci", seed=0, contact_modality="rgb", use_mask=False, use_depth=False)
    model.train()
    out = model(torch.rand(2, 3, 128, 128), labels=_labels())
    assert torch.isfinite(out.loss) and "loss_ehoi_side" in out.loss_dict
    out.loss.backward()


def test_modality_needing_a_missing_head_is_an_error():
    with pytest.raises(GlovegoError, match="no depth head"):
        _model(contact_modality="rgb+depth", use_depth=False)


def test_backbone_variants_by_depth():
    from glovego_model.modeling import build_config

    config = build_config(CATS, backbone_depth=50)
    assert config.backbone_config.layer_type == "bottleneck" and list(config.backbone_config.depths) == [3, 4, 6, 3]
    assert list(build_config(CATS, backbone_depth=101).backbone_config.depths) == [3, 4, 23, 3]
    with pytest.raises(GlovegoError, match="--backbone-depth"):
        build_config(CATS, backbone_depth=42)


def test_torchvision_guard_registers_a_broken_install_as_absent(tmp_path, monkeypatch):
    """A torchvision that raises on import (as a wheel built for another torch does) is made absent."""
    import importlib.util

    from glovego_model import _torchvision_guard

    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('operator torchvision::nms does not exist')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "torchvision", raising=False)
    _torchvision_guard.guard_torchvision()
    try:
        assert sys.modules["torchvision"] is None
        assert importlib.util.find_spec("torchvision") is None
    finally:
        sys.modules.pop("torchvision", None)


@pytest.mark.parametrize("damage", ["missing", "reshaped"])
def test_checkpoint_that_does_not_fit_this_version_is_a_clear_error(tmp_path, damage):
    """Weights saved by another head layout must not load half-initialised: name the file and keys."""
    from safetensors.torch import load_file, save_file

    from glovego_model.modeling import load_model

    _model().save_pretrained(tmp_path / "m")
    weights = tmp_path / "m" / "model.safetensors"
    tensors = load_file(weights)
    key = next(k for k in sorted(tensors) if k.startswith("ehoi_") and k.endswith(".weight"))
    if damage == "missing":
        del tensors[key]
    else:
        tensors[key] = torch.zeros(tuple(s + 1 for s in tensors[key].shape))
    save_file(tensors, weights, metadata={"format": "pt"})
    with pytest.raises(GlovegoError, match=re.escape(f"{tmp_path / 'm'}: checkpoint does not fit") + f".*{re.escape(key)}"):
        load_model(str(tmp_path / "m"))
