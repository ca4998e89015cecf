"""`--freeze NAME …`: parameters stop learning and BatchNorm statistics stop moving (§2.8)."""

from __future__ import annotations

from typing import Iterable

from torch import nn

from glovego_data.errors import GlovegoError

# Our names → attribute paths inside the model (paths a variant lacks are skipped).
FREEZE_NAMES: dict[str, tuple[str, ...]] = {
    "backbone": ("model.backbone",),
    "encoder": ("model.encoder", "model.encoder_input_proj"),
    "decoder": (
        "model.decoder", "class_embed", "bbox_embed", "model.decoder_input_proj", "model.enc_output",
        "model.enc_score_head", "model.enc_bbox_head", "model.denoising_class_embed", "model.weight_embedding",
    ),
    "side": ("ehoi_side",),
    "contact": ("ehoi_contact",),
    "glove": ("ehoi_glove",),
    "offset": ("ehoi_offset",),
    "keypoints": ("ehoi_keypoints",),
    "depth": ("ehoi_depth",),
    "mask": ("ehoi_mask",),
    "contact_crop": ("ehoi_contact_crop",),
}
# The reference's module names, accepted so its commands translate one to one.
FREEZE_ALIASES: dict[str, str] = {
    "depth_module": "depth",
    "_mask_rcnn_head": "mask",
    "_keypoint_head": "keypoints",
    "classification_hand_lr": "side",
    "classification_gloves": "glove",
    "classification_contact_state": "contact",
    "association_vector_regressor": "offset",
}


def resolve_freeze_names(names: Iterable[str]) -> list[str]:
    """Canonical names in the given order; an unknown one is the spec's error."""
    out: list[str] = []
    for raw in names:
        name = FREEZE_ALIASES.get(raw, raw)
        if name not in FREEZE_NAMES:
            valid = ", ".join(list(FREEZE_NAMES) + list(FREEZE_ALIASES))
            raise GlovegoError(f"--freeze: unknown module '{raw}'; valid: {valid}")
        if name not in out:
            out.append(name)
    return out


def _lookup(model: nn.Module, path: str) -> nn.Module | None:
    node: object = model
    for part in path.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    return node if isinstance(node, nn.Module) else None


def freeze_modules(model: nn.Module, names: Iterable[str]) -> list[str]:
    """Freeze the named modules of `model`; returns the attribute paths frozen.

    The paths are remembered on the model (`_ehoi_frozen`) so `keep_frozen_batchnorm_eval` can put
    their BatchNorms back in eval mode after every `model.train()`.
    """
    paths: list[str] = []
    for name in resolve_freeze_names(names):
        for path in FREEZE_NAMES[name]:
            module = _lookup(model, path)
            if module is None:
                continue
            for param in module.parameters():
                param.requires_grad_(False)
            paths.append(path)
    model._ehoi_frozen = sorted(set(getattr(model, "_ehoi_frozen", [])) | set(paths))  # type: ignore[attr-defined]
    keep_frozen_batchnorm_eval(model)
    return paths


def keep_frozen_batchnorm_eval(model: nn.Module) -> None:
    """Every BatchNorm inside a frozen module to eval mode (running statistics untouched)."""
    for path in getattr(model, "_ehoi_frozen", []):
        module = _lookup(model, path)
        if module is None:
            continue
        for sub in module.modules():
            if isinstance(sub, nn.modules.batchnorm._BatchNorm):
                sub.eval()
