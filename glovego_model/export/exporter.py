"""`export_detector`: a loaded EHOI detector → one self-checked, self-describing ONNX file.

The exporter is torch's `torch.export`-based one (`dynamo=True`, via onnxscript): in this torch
the TorchScript tracer turns the detector's data-dependent steps (top-k query selection for the
contact crops, anchor generation) into constants and gives wrong outputs on other inputs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from glovego_data.atomic import atomic_write_bytes
from glovego_data.errors import GlovegoError
from glovego_data.progress import Progress, no_progress
from glovego_model.export.check import Agreement, compare_outputs
from glovego_model.export.graph import INPUT_NAME, DetectorGraph
from glovego_model.export.metadata import model_info
from glovego_model.export.runtime import import_onnx, import_onnxruntime, import_onnxscript, open_session
from glovego_model.inference.postprocess import MIN_SCORE

MIN_OPSET = 17
DEFAULT_OPSET = 18
STRIDE = 32  # the backbone's coarsest feature map; the encoder upsamples it ×2 onto the next
PROBABILITY_TOL = 1e-4
PIXEL_RELATIVE_TOL = 1e-3
FP16_SCORE_TOL = 1e-2  # fp16 files: rows pair within this score difference (reported, not gated)
# Kept in fp32 inside an fp16 file: score ranking, sampling grids, and the normalisations whose
# reductions overflow or lose the ranking in half precision.
FP16_KEEP_FP32 = ["TopK", "GridSample", "LayerNormalization", "Softmax", "Sigmoid", "ReduceMean", "Pow", "Sqrt",
                  "Exp", "Log", "Div", "Range", "CumSum"]


@dataclass
class ExportReport:
    out: Path
    opset: int
    image_size: tuple[int, int]
    dynamic_batch: bool
    fp16: bool
    agreement: Agreement  # onnxruntime vs PyTorch on the sample input
    seconds: float
    bytes: int
    quantization: dict[str, Any] | None = None  # int8 files: the metadata's record (scheme, agreement)


def check_export_options(image_size: tuple[int, int], opset: int) -> None:
    if opset < MIN_OPSET:
        raise GlovegoError(f"--opset {opset}: GlovEgo exports need opset ≥ {MIN_OPSET} (LayerNormalization, and "
                           "fp16 models that find nothing below it)")
    for side in image_size:
        if side < STRIDE or side % STRIDE:
            raise GlovegoError(f"--image-size {side}: must be a positive multiple of {STRIDE} (the backbone's "
                               f"stride; the nearest are {max(STRIDE, side // STRIDE * STRIDE)} and "
                               f"{(side // STRIDE + 1) * STRIDE})")


def sample_pixels(batch: int, image_size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """A generated input with structure at every scale (smooth gradients plus noise), RGB / 255."""
    height, width = image_size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    base = np.stack([np.sin(6 * x + c) * np.cos(4 * y - c) for c in range(3)])[None]
    pixels = 0.5 + 0.35 * base + 0.15 * rng.standard_normal((batch, 3, height, width))
    return torch.from_numpy(np.clip(pixels, 0.0, 1.0).astype(np.float32))


def export_detector(
    model: nn.Module, out: Path, *, image_size: tuple[int, int], opset: int = DEFAULT_OPSET,
    dynamic_batch: bool = False, fp16: bool = False, source: str = "model", progress: Progress = no_progress,
    write: Callable[[bytes], object] | None = None,
) -> ExportReport:
    """Trace, check against PyTorch with onnxruntime, then write `out` atomically (nothing on failure);
    `write` (the command's output plan) writes the bytes instead when given."""
    check_export_options(image_size, opset)
    onnx = import_onnx()
    import_onnxruntime()  # the self-check needs it: fail before the slow trace
    import_onnxscript()
    started = time.perf_counter()
    advance = progress("exporting", 3)
    graph = DetectorGraph(model.float(), image_size)
    sample = sample_pixels(2 if dynamic_batch else 1, image_size)
    proto = _trace(graph, sample, opset, dynamic_batch, source)
    advance(1)
    info = model_info(graph.config, image_size=image_size, max_detections=graph.max_detections, min_score=MIN_SCORE,
                      outputs=graph.names, batch=None if dynamic_batch else 1, fp16=fp16, opset=opset)
    if fp16:
        proto = to_fp16(proto)
    del proto.metadata_props[:]
    for key, value in info.to_props().items():
        proto.metadata_props.add(key=key, value=value)
    data = proto.SerializeToString()
    onnx.checker.check_model(data if len(data) < 2**31 else proto)
    try:
        agreement = check_against_torch(graph, data, sample, score_tol=FP16_SCORE_TOL if fp16 else PROBABILITY_TOL)
    except GlovegoError:
        raise
    except Exception as error:  # onnxruntime's own errors: a kernel missing for this graph on the CPU
        raise GlovegoError(f"{source}: onnxruntime cannot run the exported graph on the CPU "
                           f"({str(error).splitlines()[0][:200]}); nothing written") from None
    advance(1)
    if not fp16 and not agreement.within(PROBABILITY_TOL, PIXEL_RELATIVE_TOL):
        raise GlovegoError(f"{source}: the ONNX graph disagrees with PyTorch on the sample input (probabilities "
                           f"±{agreement.probability:.2g}, boxes ±{agreement.pixel_relative:.2g} of the image); "
                           "nothing written")
    if write is not None:
        write(data)
    else:
        atomic_write_bytes(out, data)
    advance(1)
    return ExportReport(out=out, opset=opset, image_size=image_size, dynamic_batch=dynamic_batch, fp16=fp16,
                        agreement=agreement, seconds=time.perf_counter() - started, bytes=len(data))


def run_graph(graph: DetectorGraph, pixels: torch.Tensor) -> dict[str, np.ndarray]:
    with torch.no_grad():
        return {name: value.numpy() for name, value in zip(graph.names, graph(pixels))}


def run_session(session: Any, pixels: np.ndarray) -> dict[str, np.ndarray]:
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {INPUT_NAME: pixels})))


def check_against_torch(graph: DetectorGraph, model: bytes | str, sample: torch.Tensor,
                        score_tol: float = PROBABILITY_TOL) -> Agreement:
    session = open_session(model, "cpu", threads=torch.get_num_threads())
    return compare_outputs(run_graph(graph, sample), run_session(session, sample.numpy()),
                           (graph.height, graph.width), score_tol=score_tol)


def to_fp16(proto: Any) -> Any:
    """Weights and most operators in float16; float32 inputs and outputs, so the contract is unchanged."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        half = convert_float_to_float16(proto, keep_io_types=True, op_block_list=FP16_KEEP_FP32)
    _sort_nodes(half.graph)  # the converter appends the input casts last; ONNX wants producers first
    return half


def _sort_nodes(graph: Any) -> None:
    """Reorder `graph.node` so every node comes after the producers of its inputs (stable)."""
    known = {v.name for v in graph.input} | {t.name for t in graph.initializer} | {""}
    pending, ordered = list(graph.node), []
    while pending:
        ready = [n for n in pending if all(name in known for name in n.input)]
        if not ready:
            raise GlovegoError("fp16 conversion left a graph with a cycle or a missing input")
        for node in ready:
            known.update(node.output)
        ordered.extend(ready)
        ready_ids = {id(n) for n in ready}
        pending = [n for n in pending if id(n) not in ready_ids]
    copies = [type(n)() for n in ordered]
    for copy, node in zip(copies, ordered):
        copy.CopyFrom(node)
    del graph.node[:]
    graph.node.extend(copies)


def _trace(graph: DetectorGraph, sample: torch.Tensor, opset: int, dynamic_batch: bool, source: str) -> Any:
    """A dynamic batch needs `torch.export`'s strict (TorchDynamo) tracing: transformers takes
    `len(tensor)` of the batch, which non-strict tracing turns into a constant."""
    try:
        with _quiet_export(), torch.no_grad():
            model: Any = graph
            if dynamic_batch:
                model = torch.export.export(graph, (sample,), strict=True, dynamic_shapes={
                    INPUT_NAME: {0: torch.export.Dim("batch", min=1, max=1024)}})
            program = torch.onnx.export(model, (sample,), dynamo=True, opset_version=opset, input_names=[INPUT_NAME],
                                        output_names=graph.names, verbose=False, optimize=True)
    except Exception as error:  # the exporter's many error types all end here
        raise GlovegoError(f"{source}: the {getattr(graph.config, 'ehoi_arch', graph.config.model_type)} model "
                           f"cannot be exported to ONNX opset {opset}: {describe_export_error(error)}") from None
    return program.model_proto


def describe_export_error(error: BaseException) -> str:
    """The operator and the root cause from the exporter's exception chain, in one line."""
    chain, seen = [], error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(str(e) for e in chain))
    op = re.search(r"op='([\w.:]+)'", text) or re.search(r"target=([\w.:]+)", text)
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(chain[-1])).splitlines() if line.strip()]
    reason = (lines[0] if lines else type(chain[-1]).__name__)[:240]
    if op:
        return f"operator {op.group(1)} has no ONNX conversion ({reason})"
    return reason


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """No exporter chatter under our progress bars; transformers' `torch._check` asserts (whose ONNX form
    `aten._is_all_true` has no conversion) are compile-time hints only, switched off while tracing."""
    logger = logging.getLogger("torch.onnx")
    level, previous = logger.level, os.environ.get("TRANSFORMERS_DISABLE_TORCH_CHECK")
    logger.setLevel(logging.ERROR)
    os.environ["TRANSFORMERS_DISABLE_TORCH_CHECK"] = "1"
    try:
        with open(os.devnull, "w") as sink, warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
                contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        if previous is None:
            os.environ.pop("TRANSFORMERS_DISABLE_TORCH_CHECK", None)
        else:
            os.environ["TRANSFORMERS_DISABLE_TORCH_CHECK"] = previous
