"""onnx / onnxruntime as optional imports, and onnxruntime sessions on the CPU or CUDA provider."""

from __future__ import annotations

from typing import Any

from glovego_data.errors import GlovegoError

INSTALL_HINT = "pip install 'glovego[export]'"


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


def open_session(model: str | bytes, device: str | None = "cpu", threads: int | None = None) -> Any:
    """An `InferenceSession` on `model` (a path or serialized bytes); `threads` pins intra-op threads."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=providers_for(device, ort.get_available_providers()))
