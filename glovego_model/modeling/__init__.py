"""The GlovEgo-Net detector: RT-DETR(v2) / D-FINE with per-query EHOI heads (detector.md §2)."""

from glovego_model._torchvision_guard import guard_torchvision

guard_torchvision()

from glovego_model.modeling.config import (  # noqa: E402
    ARCHS,
    BACKBONE_DEPTHS,
    EHOI_DEFAULTS,
    build_config,
    ehoi_setting,
    parse_contact_modality,
)
from glovego_model.modeling.detector import (  # noqa: E402
    EhoiDFineForObjectDetection,
    EhoiOutput,
    EhoiRTDetrForObjectDetection,
    EhoiRTDetrV2ForObjectDetection,
    model_class_for,
)
from glovego_model.modeling.freeze import FREEZE_ALIASES, FREEZE_NAMES, freeze_modules  # noqa: E402
from glovego_model.modeling.loading import build_model, load_model, reset_batch_norms  # noqa: E402

__all__ = [
    "ARCHS",
    "BACKBONE_DEPTHS",
    "EHOI_DEFAULTS",
    "FREEZE_ALIASES",
    "FREEZE_NAMES",
    "EhoiDFineForObjectDetection",
    "EhoiOutput",
    "EhoiRTDetrForObjectDetection",
    "EhoiRTDetrV2ForObjectDetection",
    "build_config",
    "build_model",
    "ehoi_setting",
    "freeze_modules",
    "load_model",
    "model_class_for",
    "parse_contact_modality",
    "reset_batch_norms",
]
