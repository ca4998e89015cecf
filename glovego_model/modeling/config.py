"""Detector configurations: architecture variants and the `ehoi_*` keys a checkpoint carries (§2.2)."""

from __future__ import annotations

from typing import Any, Sequence

from glovego_data.ehoi_coco.constants import KEYPOINT_NAMES
from glovego_data.errors import GlovegoError

ARCHS = ("rt_detr_v2", "rt_detr", "d_fine")
BACKBONE_DEPTHS = (18, 34, 50, 101)
SIZES = ("default", "ci")
CONTACT_MODALITY_PARTS = ("rgb", "depth", "mask", "kpts", "fusion")

EHOI_DEFAULTS: dict[str, Any] = {
    "ehoi_hand_label": "hand",
    "ehoi_num_keypoints": len(KEYPOINT_NAMES),
    "ehoi_keypoint_names": list(KEYPOINT_NAMES),
    "ehoi_contact_modality": "mask+rgb+depth+kpts+fusion",
    "ehoi_use_depth": True,
    "ehoi_use_mask": True,
    "ehoi_crop_size": 64,
    "ehoi_box_pad": 0.3,
    "ehoi_keypoint_pad": 0.25,
    "ehoi_mask_dim": 32,
    "ehoi_image_size": [640, 640],
    "ehoi_depth_range_m": 5.0,
    "ehoi_crop_queries": 30,
    "ehoi_deep_supervision": False,
    "ehoi_loss_weights": {
        "side": 1.0,
        "contact": 1.0,
        "glove": 1.0,
        "offset": 5.0,
        "keypoints": 5.0,
        "keypoint_visibility": 1.0,
        "depth": 1.0,
        "mask": 1.0,
    },
    "ehoi_format_version": "1.0",
    "ehoi_arch": "rt_detr_v2",
}


def ehoi_setting(config: Any, key: str) -> Any:
    """An `ehoi_*` value of `config`, or its default, so configs saved by older versions still load."""
    value = getattr(config, key, None)
    if value is None:
        value = EHOI_DEFAULTS[key]
    if key == "ehoi_loss_weights":
        return {**EHOI_DEFAULTS[key], **dict(value)}
    return value


def parse_contact_modality(modality: str) -> frozenset[str]:
    """`mask+rgb+depth+kpts+fusion` → its set of parts; unknown parts are an error."""
    parts = frozenset(p.strip() for p in modality.split("+") if p.strip())
    unknown = sorted(parts - set(CONTACT_MODALITY_PARTS))
    if unknown or not parts:
        raise GlovegoError(
            f"--contact-modality: unknown part(s) {unknown or [modality]}; "
            f"use '+'-joined names from {list(CONTACT_MODALITY_PARTS)}"
        )
    if not parts & {"rgb", "depth", "mask", "kpts"}:
        raise GlovegoError(f"--contact-modality: '{modality}' names no input (rgb, depth, mask or kpts)")
    return parts


def crop_channels(config: Any) -> list[str]:
    """Channels of the contact crop CNN in spec order (rgb ×3, depth, mask, kpts); [] = no crop branch."""
    parts = parse_contact_modality(ehoi_setting(config, "ehoi_contact_modality"))
    if not parts & {"depth", "mask", "kpts"}:
        return []
    return [name for name in ("rgb", "depth", "mask", "kpts") if name in parts]


def validate_ehoi_config(config: Any) -> None:
    """A modality that needs a head the config lacks is a config error (§2.5)."""
    parts = parse_contact_modality(ehoi_setting(config, "ehoi_contact_modality"))
    if "depth" in parts and not ehoi_setting(config, "ehoi_use_depth"):
        raise GlovegoError("--contact-modality uses 'depth' but the model has no depth head (ehoi_use_depth=false)")
    if "mask" in parts and not ehoi_setting(config, "ehoi_use_mask"):
        raise GlovegoError("--contact-modality uses 'mask' but the model has no mask head (ehoi_use_mask=false)")


def _resnet_backbone(depth: int, size: str) -> Any:
    from transformers import RTDetrResNetConfig

    if size == "ci":
        # detector.md §4.2: basic blocks [1,1,1,1], widths 32/64/128/256, stem 32.
        return RTDetrResNetConfig(
            embedding_size=32, hidden_sizes=[32, 64, 128, 256], depths=[1, 1, 1, 1], layer_type="basic",
            out_features=["stage2", "stage3", "stage4"],
        )
    layouts = {
        18: ("basic", [2, 2, 2, 2], [64, 128, 256, 512]),
        34: ("basic", [3, 4, 6, 3], [64, 128, 256, 512]),
        50: ("bottleneck", [3, 4, 6, 3], [256, 512, 1024, 2048]),
        101: ("bottleneck", [3, 4, 23, 3], [256, 512, 1024, 2048]),
    }
    if depth not in layouts:
        raise GlovegoError(f"--backbone-depth: {depth} is not one of {list(BACKBONE_DEPTHS)}")
    layer_type, depths, widths = layouts[depth]
    return RTDetrResNetConfig(
        embedding_size=64, hidden_sizes=widths, depths=depths, layer_type=layer_type,
        out_features=["stage2", "stage3", "stage4"],
    )


def _detr_kwargs(depth: int, size: str, backbone: Any) -> dict[str, Any]:
    """Encoder/decoder sizes matching the public checkpoints' layouts (or the CI size)."""
    in_channels = list(backbone.hidden_sizes[1:])
    if size == "ci":
        return dict(
            encoder_in_channels=in_channels, encoder_hidden_dim=128, encoder_ffn_dim=256,
            encoder_attention_heads=4, hidden_expansion=0.5, d_model=128, decoder_in_channels=[128, 128, 128],
            decoder_layers=3, decoder_attention_heads=4, decoder_ffn_dim=256, num_queries=60, num_denoising=30,
        )
    small = depth in (18, 34)
    return dict(
        encoder_in_channels=in_channels,
        hidden_expansion=0.5 if small else 1.0,
        decoder_layers={18: 3, 34: 4}.get(depth, 6),
        encoder_hidden_dim=256 if depth != 101 else 384,
        encoder_ffn_dim=1024 if depth != 101 else 2048,
    )


def build_config(
    categories: Sequence[str],
    *,
    arch: str = "rt_detr_v2",
    backbone_depth: int = 18,
    size: str = "default",
    scratch: bool = True,
    **ehoi: Any,
) -> Any:
    """A fresh config for `categories` (id order, hand last) with every `ehoi_*` key set.

    The backbone is always given as a config object, never as a hub name (§3 pitfall 6: a name queries
    the hub). From scratch, backbone BatchNorms are trainable (`freeze_backbone_batch_norms=False`).
    """
    from transformers import DFineConfig, RTDetrConfig, RTDetrV2Config

    if arch not in ARCHS:
        raise GlovegoError(f"--arch: '{arch}' is not one of {list(ARCHS)}")
    if size not in SIZES:
        raise GlovegoError(f"model size '{size}' is not one of {list(SIZES)}")
    id2label = {i: name for i, name in enumerate(categories)}
    common = dict(id2label=id2label, label2id={n: i for i, n in id2label.items()},
                  freeze_backbone_batch_norms=not scratch)
    if arch == "d_fine":
        kwargs = dict(common)
        if size == "ci":
            backbone = _resnet_backbone(18, "ci")
            kwargs.update(backbone_config=backbone, **_detr_kwargs(18, "ci", backbone))
        config = DFineConfig(**kwargs)
    else:
        backbone = _resnet_backbone(backbone_depth, size)
        cls = RTDetrV2Config if arch == "rt_detr_v2" else RTDetrConfig
        config = cls(backbone_config=backbone, **common, **_detr_kwargs(backbone_depth, size, backbone))
    apply_ehoi_settings(config, arch=arch, **ehoi)
    return config


def apply_ehoi_settings(config: Any, **ehoi: Any) -> Any:
    """Set every `ehoi_*` key on `config` (explicit values win, then the config's own, then defaults)."""
    for key, default in EHOI_DEFAULTS.items():
        short = key.removeprefix("ehoi_")
        if short in ehoi and ehoi[short] is not None:
            value = ehoi[short]
        else:
            value = getattr(config, key, None)
            if value is None:
                value = default
        setattr(config, key, list(value) if isinstance(value, tuple) else value)
    unknown = set(ehoi) - {k.removeprefix("ehoi_") for k in EHOI_DEFAULTS}
    if unknown:
        raise TypeError(f"unknown EHOI settings: {sorted(unknown)}")
    validate_ehoi_config(config)
    return config
