"""onnx / onnxruntime / OpenVINO as optional imports, and sessions that run a GlovEgo ONNX file.

Two runtimes behind one small interface (`run(output_names, feed)`, `get_outputs()`, `metadata()`):
onnxruntime (CPU or CUDA provider) and OpenVINO (CPU), so the predictor and the benchmark do not
care which one runs the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glovego_data.errors import GlovegoError

INSTALL_HINT = "pip install 'glovego[export]'"
OPENVINO_HINT = "pip install 'glovego[openvino]'"
RUNTIMES = ("onnxruntime", "openvino")


def import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise GlovegoError(f"onnxruntime is not installed (ONNX models need it): {INSTALL_HINT}") from None
    return onnxruntime


def import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise GlovegoError(f"onnx is not installed (glovego export needs it): {INSTALL_HINT}") from None
    return onnx


def import_onnxscript() -> Any:
    """torch's ONNX exporter needs onnxscript; say which extra brings it before the slow trace."""
    try:
        import onnxscript
    except ImportError:
        raise GlovegoError(f"onnxscript is not installed (torch's ONNX exporter needs it): {INSTALL_HINT}") from None
    return onnxscript


def import_openvino() -> Any:
    try:
        import openvino
    except ImportError:
        raise GlovegoError(f"OpenVINO is not installed (--runtime openvino needs it): {OPENVINO_HINT}") from None
    return openvino


def providers_for(device: str | None, available: list[str]) -> list[Any]:
    """`None`: CUDA when onnxruntime has it, else CPU; `cpu`; `cuda` / `cuda:N` (an error without the provider)."""
    if device is None:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"] if "CUDAExecutionProvider" in available \
            else ["CPUExecutionProvider"]
    kind, _, index = device.partition(":")
    if kind == "cpu":
        return ["CPUExecutionProvider"]
    if kind == "cuda":
        if "CUDAExecutionProvider" not in available:
            raise GlovegoError(f"--device {device}: this onnxruntime has no CUDA provider "
                               f"(providers: {', '.join(available)}); install onnxruntime-gpu")
        return [("CUDAExecutionProvider", {"device_id": int(index or 0)}), "CPUExecutionProvider"]
    raise GlovegoError(f"--device {device}: ONNX models run on cpu, cuda or cuda:N")


def session_options(threads: int | None) -> Any:
    """Every graph optimisation (operator fusion, constant folding, layout), `threads` intra-op
    threads and one inter-op thread (the graph is one chain: parallel branches gain nothing and a
    second pool competes for the same cores)."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads:
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    return options


def open_session(model: str | bytes, device: str | None = "cpu", threads: int | None = None) -> Any:
    """An `InferenceSession` on `model` (a path or serialized bytes); `threads` pins intra-op threads."""
    ort = import_onnxruntime()
    return ort.InferenceSession(model, session_options(threads),
                                providers=providers_for(device, ort.get_available_providers()))


class _Output:
    def __init__(self, name: str) -> None:
        self.name = name


class OpenVinoSession:
    """An ONNX file compiled by OpenVINO for the CPU, with onnxruntime's `run` / `get_outputs` shape.

    fp32 files run in fp32 (`INFERENCE_PRECISION_HINT`: OpenVINO would otherwise pick bf16 on CPUs
    that have it, and the predictions would no longer be the fp32 file's); int8 (QDQ) files run
    their int8 kernels; `LATENCY` streams one request at a time, as `infer` and `--live` use it."""

    def __init__(self, path: str | Path, threads: int | None = None, device: str | None = "cpu") -> None:
        if device not in (None, "cpu"):
            raise GlovegoError(f"--device {device}: --runtime openvino runs on the CPU here (give --device cpu)")
        ov = import_openvino()
        core = ov.Core()
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = int(threads)
        self.path = Path(path)
        self.compiled = core.compile_model(core.read_model(str(self.path)), "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.names = [port.get_any_name() for port in self.compiled.outputs]

    def get_outputs(self) -> list[_Output]:
        return [_Output(name) for name in self.names]

    def run(self, output_names: list[str] | None, feed: dict[str, Any]) -> list[Any]:
        results = self.request.infer(feed)
        by_name = {port.get_any_name(): value for port, value in results.items()}
        return [by_name[name].copy() for name in (output_names or self.names)]


def onnx_metadata(path: str | Path) -> dict[str, str]:
    """An ONNX file's `metadata_props` without its weights (OpenVINO does not expose them)."""
    onnx = import_onnx()
    proto = onnx.load(str(path), load_external_data=False)
    return {prop.key: prop.value for prop in proto.metadata_props}
