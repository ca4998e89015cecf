"""Why a detector misses: TIDE box errors and EHOI attribute errors, each with its dAP."""

from glovego_model.evaluation.errors.box import BOX_KINDS, KIND_NAMES, ORACLES, BoxErrors, box_errors
from glovego_model.evaluation.errors.ehoi import (
    ALL_FIXED,
    EHOI_KIND_NAMES,
    EHOI_KINDS,
    HEADLINE,
    OWN_METRIC,
    EhoiErrors,
    confusion,
    ehoi_errors,
)

__all__ = ["ALL_FIXED", "BOX_KINDS", "EHOI_KINDS", "EHOI_KIND_NAMES", "HEADLINE", "KIND_NAMES", "ORACLES",
           "OWN_METRIC", "BoxErrors", "EhoiErrors", "box_errors", "confusion", "ehoi_errors"]
