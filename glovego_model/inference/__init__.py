"""Inference: `EhoiPredictor` (PyTorch), `OnnxEhoiPredictor` (onnxruntime) and the shared post-processing."""

from glovego_model.inference.postprocess import contact_probability, postprocess
from glovego_model.inference.predictor import EhoiPredictor, resolve_model_dir

__all__ = ["EhoiPredictor", "contact_probability", "postprocess", "resolve_model_dir"]
