"""The EHOI evaluator (shared/spec/ehoi-metrics.md): reference-identical metrics, vectorised."""

from glovego_model.evaluation.ehoi import EHOI_METRICS, PER_CLASS_METRICS
from glovego_model.evaluation.evaluator import EhoiEvaluation, PRCurve, evaluate, evaluate_detailed
from glovego_model.evaluation.predictions import validate_predictions

__all__ = [
    "EHOI_METRICS",
    "PER_CLASS_METRICS",
    "EhoiEvaluation",
    "PRCurve",
    "evaluate",
    "evaluate_detailed",
    "validate_predictions",
]
