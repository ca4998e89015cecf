"""ONNX export of the EHOI detector: the graph, its metadata contract, the exporter and its self-check."""

from glovego_model.export.check import Agreement, compare_outputs
from glovego_model.export.exporter import DEFAULT_OPSET, ExportReport, check_export_options, export_detector
from glovego_model.export.metadata import OnnxModelInfo, read_info

__all__ = ["Agreement", "DEFAULT_OPSET", "ExportReport", "OnnxModelInfo", "check_export_options", "compare_outputs",
           "export_detector", "read_info"]
