"""One GPU check of every heavy path: the Kontext edit, the default detector, bf16 training (issue 14).

Speed and memory do not depend on weight values, so the real architectures are built from their
published configs with random weights (nothing is downloaded, nothing is installed):

1. FLUX.1-Kontext-dev at 1024², 28 steps, bf16, through our editor (`KontextEditor.edit`), the
   text encoders replaced by prompt embeddings of their shapes read from the editor's cache file:
   seconds per edit at batch 1 and at the largest batch that fits, peak memory; then each speed
   option, each checked against plain bf16 on the same seed.
2. The default detector (RT-DETRv2-R50 + every EHOI head, the `synth_pretrain` recipe's model) on
   1280×720 frames: images/s at batch 1 and 8, the model in fp32 and bf16 autocast and the whole
   `EhoiPredictor.predict` path; the ONNX row is a labelled hook.
3. Training that model: images/s at the recipe's batch (16 at 640²) with bf16 autocast for 50
   steps, every loss checked finite; peak memory.

Each section is guarded (a failure is reported, the others still run), every step checks the time
budget, and the JSON report is rewritten after every row, so a kill or a failure leaves a report.

    python benchmarks/gpu.py                         # a CUDA GPU: ≤ 8 minutes, writes gpu_report.json
    python benchmarks/gpu.py --tiny --device cpu     # tiny configs on the CPU, seconds (run by the tests)
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

REFERENCE_IMAGES_PER_S = 6.75  # the reference GlovEgo-Net on a Tesla V100S; the goal is ≥ 5×

# black-forest-labs/FLUX.1-Kontext-dev, transformer/config.json (FluxTransformer2DModel, 11.9 B parameters)
FLUX_TRANSFORMER_CONFIG: dict[str, Any] = {
    "attention_head_dim": 128, "axes_dims_rope": [16, 56, 56], "guidance_embeds": True, "in_channels": 64,
    "joint_attention_dim": 4096, "num_attention_heads": 24, "num_layers": 19, "num_single_layers": 38,
    "out_channels": None, "patch_size": 1, "pooled_projection_dim": 768,
}
# black-forest-labs/FLUX.1-Kontext-dev, vae/config.json (AutoencoderKL, 16 latent channels, ×8)
FLUX_VAE_CONFIG: dict[str, Any] = {
    "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4, "up_block_types": ["UpDecoderBlock2D"] * 4,
    "force_upcast": True, "in_channels": 3, "out_channels": 3, "latent_channels": 16, "layers_per_block": 2,
    "mid_block_add_attention": True, "norm_num_groups": 32, "sample_size": 1024, "scaling_factor": 0.3611,
    "shift_factor": 0.1159, "use_post_quant_conv": False, "use_quant_conv": False,
}
# scheduler/scheduler_config.json (FlowMatchEulerDiscreteScheduler)
FLUX_SCHEDULER_CONFIG: dict[str, Any] = {
    "base_image_seq_len": 256, "base_shift": 0.5, "max_image_seq_len": 4096, "max_shift": 1.15,
    "num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": True,
}
# --tiny: the spec's offline test configs (glove-augmentation.md §7)
TINY_TRANSFORMER_CONFIG: dict[str, Any] = {
    **FLUX_TRANSFORMER_CONFIG, "attention_head_dim": 16, "axes_dims_rope": [4, 4, 8], "joint_attention_dim": 32,
    "num_attention_heads": 2, "num_layers": 1, "num_single_layers": 1, "pooled_projection_dim": 32,
}
TINY_VAE_CONFIG: dict[str, Any] = {
    **FLUX_VAE_CONFIG, "block_out_channels": [8, 8, 8, 8], "layers_per_block": 1, "norm_num_groups": 4,
}

# How far each speed option may move the edit from plain bf16 on the same seed (mean |Δ| over
# pixels, as a fraction of 255). Compile only reorders float arithmetic; caching reuses a step's
# residual; fp8 rounds weights and activations to 3 mantissa bits.
TOLERANCE = {"compile": 0.01, "first-block-cache": 0.05, "fp8": 0.05, "fp8-storage": 0.05}
FIRST_BLOCK_CACHE_THRESHOLD = 0.12
SETUP_ESTIMATE_S = {"compile": 150, "fp8": 200, "fp8-storage": 20}  # full size on an H100-class GPU


# ----- report -----------------------------------------------------------------------------------
class Report:
    """The JSON report, rewritten (atomically) after every row so a kill still leaves it on disk."""

    def __init__(self, path: Path, header: dict[str, Any], budget_s: float) -> None:
        self.path, self.started, self.budget_s = path, time.perf_counter(), budget_s
        self.data: dict[str, Any] = {**header, "budget_s": budget_s, "sections": {}}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def remaining(self) -> float:
        return self.budget_s - self.elapsed()

    def say(self, section: str, message: str) -> None:
        print(f"[{self.elapsed():6.1f} s] {section}: {message}", flush=True)

    def section(self, name: str) -> dict[str, Any]:
        return self.data["sections"].setdefault(name, {"status": "running", "rows": []})

    def row(self, section: str, **row: Any) -> None:
        self.section(section)["rows"].append(row)
        self.say(section, ", ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
        self.save()

    def save(self) -> None:
        from glovego_data.atomic import atomic_write_json

        self.data["elapsed_s"] = round(self.elapsed(), 1)
        atomic_write_json(self.path, _jsonable(self.data))


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def run_section(report: Report, name: str, body: Callable[[], None]) -> None:
    """Run one section; its failure (out of memory, a missing package, a bug) is recorded, not raised."""
    section = report.section(name)
    report.say(name, "start")
    started = time.perf_counter()
    try:
        body()
        if section["status"] == "running":
            section["status"] = "ok"
    except Exception as exc:  # the section's failure is the measurement; the next section still runs
        section["status"] = "failed"
        section["error"] = f"{type(exc).__name__}: {exc}"
        section["traceback"] = traceback.format_exc(limit=6)
        report.say(name, f"FAILED: {section['error']}")
    section["seconds"] = round(time.perf_counter() - started, 1)
    report.save()


class OutOfTime(Exception):
    """The time budget would be exceeded: the remaining rows of the section are skipped."""


def check_budget(report: Report, section: str, needs_s: float, what: str) -> None:
    if report.remaining() < needs_s:
        report.row(section, name=what, status="skipped", why=f"time budget: {report.remaining():.0f} s left, needs ~{needs_s:.0f} s")
        raise OutOfTime(what)


# ----- devices ----------------------------------------------------------------------------------
def synchronize(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_gib(device: Any) -> float | None:
    import torch

    if device.type == "cuda":
        return round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    return None  # the CPU has no per-run peak worth reporting in a shared process


def is_out_of_memory(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


# ----- 1. Kontext -------------------------------------------------------------------------------
@contextmanager
def build_on(device: Any) -> Iterator[None]:
    """Build modules directly on `device` (12 B random fp32 weights on a GPU take seconds, not minutes)."""
    import torch

    with torch.device(device):
        yield


def build_transformer(config: dict[str, Any], device: Any, dtype: Any, seed: int) -> Any:
    import torch
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(seed)
    with build_on(device):
        model = FluxTransformer2DModel(**config)
    return model.to(dtype).eval().requires_grad_(False)


def build_kontext_pipeline(tiny: bool, device: Any, dtype: Any, seed: int) -> Any:
    """The real `FluxKontextPipeline` from components, text encoders absent as in our editor."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxKontextPipeline

    transformer = build_transformer(TINY_TRANSFORMER_CONFIG if tiny else FLUX_TRANSFORMER_CONFIG, device, dtype, seed)
    torch.manual_seed(seed + 1)
    with build_on(device):
        vae = AutoencoderKL(**(TINY_VAE_CONFIG if tiny else FLUX_VAE_CONFIG))
    vae = vae.to(dtype).eval().requires_grad_(False)
    scheduler = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER_CONFIG)
    return FluxKontextPipeline(scheduler=scheduler, vae=vae, transformer=transformer, text_encoder=None,
                               tokenizer=None, text_encoder_2=None, tokenizer_2=None)


def cached_prompt_embeds(settings: Any, transformer_config: dict[str, Any], cache: Path, device: Any) -> dict[str, Any]:
    """Random embeddings of T5-XXL's and CLIP-L's shapes, written as the editor's cache file and
    read back through `encode_prompt_cached`, exactly as the backend reads them."""
    import torch
    from safetensors.torch import save_file

    from glovego_data.augment.flux_kontext import encode_prompt_cached, prompt_key

    generator = torch.Generator("cpu").manual_seed(7)
    tensors = {
        "prompt_embeds": torch.randn(1, settings.max_sequence_length, transformer_config["joint_attention_dim"],
                                     generator=generator),
        "pooled_prompt_embeds": torch.randn(1, transformer_config["pooled_projection_dim"], generator=generator),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(cache), metadata={"key": prompt_key(settings.model, settings.prompt, settings.max_sequence_length)})
    return encode_prompt_cached(settings, cache.parent, cache, device)  # a cache hit: no text encoder is loaded


def kontext_editor(pipe: Any, settings: Any, embeds: dict[str, Any], device: Any) -> Any:
    """Our `flux-kontext` editor around a pipeline built from components.

    `KontextEditor.__init__` loads its pipeline from a folder (12 B random weights would be 24 GB
    written and read back); everything else is done here exactly as `__init__` does it, and every
    edit goes through the editor's own `edit()`. This is the one place that knows the editor's
    internals: re-point it when the editor moves or gains a from-components constructor.
    """
    from glovego_data.augment.flux_kontext import KontextEditor

    editor = object.__new__(KontextEditor)
    editor.settings, editor.device = settings, device
    editor.pipe = pipe.to(device)
    editor.pipe.set_progress_bar_config(disable=True)
    if settings.compile:
        editor.pipe.transformer.compile_repeated_blocks(fullgraph=True)
    dtype = editor.pipe.transformer.dtype
    editor.prompt_embeds = embeds["prompt_embeds"].to(device=device, dtype=dtype)
    editor.pooled_prompt_embeds = embeds["pooled_prompt_embeds"].to(device=device, dtype=dtype)
    return editor


def test_image(size: int, seed: int = 0) -> np.ndarray:
    """A deterministic frame with structure at several scales (gradients, blocks, noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    image = np.stack([x, y, 0.5 + 0.5 * np.sin(12 * x + 7 * y)], axis=-1) * 200.0
    blocks = rng.integers(0, 56, (8, 8, 3)).repeat(size // 8 + 1, 0).repeat(size // 8 + 1, 1)[:size, :size]
    return np.clip(image + blocks + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)


def compare(output: np.ndarray, reference: np.ndarray, tolerance: float) -> dict[str, Any]:
    from glovego_data.augment.ssim import ssim_rgb

    diff = np.abs(output.astype(np.float32) - reference.astype(np.float32)) / 255.0
    mean = float(diff.mean())
    return {"mean_abs_diff": round(mean, 5), "max_abs_diff": round(float(diff.max()), 4),
            "ssim_vs_plain": round(float(ssim_rgb(output, reference)), 4), "tolerance": tolerance,
            "within_tolerance": mean <= tolerance}


def kontext_section(report: Report, args: argparse.Namespace, device: Any) -> None:
    import torch

    from glovego_data.augment.flux_kontext import KontextSettings

    name = "kontext"
    section = report.section(name)
    size, steps = (64, 2) if args.tiny else (1024, 28)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32  # the editor's own choice
    transformer_config = TINY_TRANSFORMER_CONFIG if args.tiny else FLUX_TRANSFORMER_CONFIG
    section.update(size=[size, size], steps=steps, dtype=str(dtype).removeprefix("torch."),
                   transformer_config=transformer_config, vae_config=TINY_VAE_CONFIG if args.tiny else FLUX_VAE_CONFIG,
                   weights="random (speed and memory do not depend on their values)")
    started = time.perf_counter()
    pipe = build_kontext_pipeline(args.tiny, device, dtype, seed=0)
    section["transformer_params_M"] = round(sum(p.numel() for p in pipe.transformer.parameters()) / 1e6, 3)
    section["build_s"] = round(time.perf_counter() - started, 1)
    settings = KontextSettings(steps=steps)
    embeds = cached_prompt_embeds(settings, transformer_config, Path(args.work_dir) / "prompt_embeds.safetensors", device)
    section["prompt_embeds_shape"] = list(embeds["prompt_embeds"].shape)
    editor = kontext_editor(pipe, settings, embeds, device)
    image = test_image(size)
    work = (size, size)

    def edit(batch: int, n_steps: int, around: Callable[[], Any] = nullcontext) -> tuple[float, list[np.ndarray]]:
        editor.settings = dataclasses.replace(editor.settings, steps=n_steps)
        synchronize(device)
        t0 = time.perf_counter()
        with around():
            out = editor.edit([image] * batch, list(range(batch)), work)
        synchronize(device)
        return time.perf_counter() - t0, out

    report.say(name, f"built ({section['transformer_params_M']} M parameters, {section['build_s']} s); warming up")
    edit(1, 1)
    reset_peak(device)
    seconds, outputs = edit(1, steps)
    reference = outputs[0]
    report.row(name, name="bf16" if dtype == torch.bfloat16 else "fp32", batch=1, steps=steps,
               seconds_per_edit=round(seconds, 3), peak_memory_GiB=peak_gib(device),
               output_std=round(float(reference.std()), 2))
    per_step = seconds / steps

    # the largest batch that fits: one-step probes (memory does not grow with the step count)
    largest, one_step = 1, None
    for batch in (2, 4, 8, 16, 32, 64):
        if batch > args.max_batch:
            break
        check_budget(report, name, 3 * batch * per_step * 3 + 10, f"batch {batch} probe")
        reset_peak(device)
        try:
            t1, _ = edit(batch, 1)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            report.row(name, name=f"batch {batch} probe", status="out of memory")
            break
        largest, one_step = batch, (t1, peak_gib(device))
        report.say(name, f"batch {batch} fits (1 step {t1:.2f} s, peak {one_step[1]} GiB)")
    if one_step is not None:
        check_budget(report, name, 3 * largest * per_step * 1.5 + 10, f"batch {largest} timing")
        t3, _ = edit(largest, 3)
        t_full = one_step[0] + (t3 - one_step[0]) / 2 * (steps - 1)  # fixed cost + per-step cost × steps
        report.row(name, name="bf16" if dtype == torch.bfloat16 else "fp32", batch=largest, steps=steps,
                   seconds_per_edit=round(t_full / largest, 3), peak_memory_GiB=one_step[1],
                   method=f"largest batch that fits (probed ≤ {args.max_batch}); {steps}-step time extrapolated "
                          "from 1- and 3-step runs")

    options: list[tuple[str, Callable[[], Any]]] = [
        ("first-block-cache", lambda: first_block_cache(editor)),
        ("compile", lambda: compiled(editor, args)),
        ("fp8-storage", lambda: fp8_storage(editor, args, device, dtype)),
        ("fp8", lambda: fp8_dynamic(editor, args, device, dtype)),
    ]
    for label, apply in options:
        needs = seconds * 2 + 20 + SETUP_ESTIMATE_S.get(label, 0)
        if report.remaining() < needs:  # a cheaper option further down may still fit
            report.row(name, name=label, status="skipped", why=f"time budget: {report.remaining():.0f} s left, needs ~{needs:.0f} s")
            section["status"] = "partial"
            continue
        try:
            around, setup_s = apply()
            warm, _ = edit(1, 2, around)  # the first call compiles where the option compiles
            reset_peak(device)
            t, out = edit(1, steps, around)
        except Unavailable as why:
            report.row(name, name=label, status="not available", why=str(why))
            continue
        except Exception as exc:  # one option failing (e.g. an fp8 kernel missing) leaves the others to run
            report.row(name, name=label, status="failed", error=f"{type(exc).__name__}: {exc}")
            continue
        finally:
            if label == "first-block-cache":
                editor.pipe.transformer.disable_cache()
        report.row(name, name=label, batch=1, steps=steps, seconds_per_edit=round(t, 3),
                   speedup_vs_plain=round(seconds / t, 2), peak_memory_GiB=peak_gib(device),
                   setup_s=round(setup_s + warm, 1), **compare(out[0], reference, TOLERANCE[label]))


class Unavailable(Exception):
    """This option cannot run here (GPU generation, a package that is not installed, --tiny)."""


def first_block_cache(editor: Any) -> tuple[Callable[[], Any], float]:
    """diffusers' first-block cache; Kontext's pipeline sets no cache context (spec §3.1: `No cache
    context is set`), so each edit runs inside one."""
    from diffusers import FirstBlockCacheConfig

    transformer = editor.pipe.transformer
    transformer.enable_cache(FirstBlockCacheConfig(threshold=FIRST_BLOCK_CACHE_THRESHOLD))
    return (lambda: transformer.cache_context("cond")), 0.0


def compiled(editor: Any, args: argparse.Namespace) -> tuple[Callable[[], Any], float]:
    """`--compile` of augment-gloves: `transformer.compile_repeated_blocks(fullgraph=True)`."""
    if args.tiny:
        raise Unavailable("not run in --tiny (compiling needs minutes and a C compiler on the CPU)")
    started = time.perf_counter()
    editor.pipe.transformer.compile_repeated_blocks(fullgraph=True)  # compiled on the first edit
    return nullcontext, time.perf_counter() - started


def _fresh_transformer(editor: Any, args: argparse.Namespace, device: Any, dtype: Any) -> Any:
    """The same random transformer again (same seed): fp8 converts weights in place."""
    import torch

    old = editor.pipe.transformer
    editor.pipe.transformer = None
    del old
    torch._dynamo.reset()  # compiled graphs hold the old weights: 24 GB that must go before 48 GB more come
    if device.type == "cuda":
        torch.cuda.empty_cache()
    transformer = build_transformer(TINY_TRANSFORMER_CONFIG if args.tiny else FLUX_TRANSFORMER_CONFIG, device, dtype, seed=0)
    editor.pipe.transformer = transformer
    return transformer


def fp8_dynamic(editor: Any, args: argparse.Namespace, device: Any, dtype: Any) -> tuple[Callable[[], Any], float]:
    """torchao float8 weights and dynamic float8 activations (Hopper/Ada: compute capability ≥ 8.9), compiled."""
    import torch

    if device.type != "cuda" or torch.cuda.get_device_capability(device) < (8, 9):
        raise Unavailable("fp8 matmuls need a CUDA GPU of compute capability ≥ 8.9")
    try:
        from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
    except ImportError as exc:
        raise Unavailable(f"torchao is not installed ({exc})") from None
    started = time.perf_counter()
    transformer = _fresh_transformer(editor, args, device, dtype)
    quantize_(transformer, Float8DynamicActivationFloat8WeightConfig())
    transformer.compile_repeated_blocks(fullgraph=True)  # fp8 matmuls pay off compiled (flux-fast)
    return nullcontext, time.perf_counter() - started


def fp8_storage(editor: Any, args: argparse.Namespace, device: Any, dtype: Any) -> tuple[Callable[[], Any], float]:
    """diffusers' layerwise casting: weights stored in float8_e4m3fn, computed in bf16 (memory, not speed)."""
    import torch

    started = time.perf_counter()
    transformer = _fresh_transformer(editor, args, device, dtype)
    transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=dtype)
    return nullcontext, time.perf_counter() - started


# ----- 2. detector inference ----------------------------------------------------------------------
def build_detector(tiny: bool, seed: int = 0) -> Any:
    """The recipe model: RT-DETRv2-R50 + every EHOI head with `synth_pretrain`'s contact modality
    (--tiny: the CI size with the same heads)."""
    from glovego_data.ehoi_coco.constants import REFERENCE_CATEGORIES
    from glovego_model.modeling import build_model

    heads = dict(contact_modality="mask+rgb+depth+kpts+fusion", use_depth=True, use_mask=True,
                 image_size=[64, 64] if tiny else [640, 640])
    if tiny:
        return build_model(list(REFERENCE_CATEGORIES), size="ci", seed=seed, **heads)
    return build_model(list(REFERENCE_CATEGORIES), backbone_depth=50, seed=seed, **heads)


def onnx_inference_row(model: Any, device: Any, size: tuple[int, int]) -> dict[str, Any]:
    """The ONNX / onnxruntime row: a hook until glovego_model has an ONNX export to time."""
    return {"name": "onnxruntime", "status": "not available",
            "why": "glovego_model has no ONNX export yet: fill in benchmarks/gpu.py onnx_inference_row"}


def timed(fn: Callable[[], Any], device: Any, warmup: int, iters: int) -> float:
    for _ in range(warmup):
        fn()
    synchronize(device)
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    synchronize(device)
    return (time.perf_counter() - t0) / iters


def detector_section(report: Report, args: argparse.Namespace, device: Any) -> None:
    """Frames of 1280×720 go in; the model sees them resized to its size (640², its padding-free
    multiple of 32: 720 is not one). Rows: the model alone in fp32 and bf16 autocast, then the
    user's path, `EhoiPredictor.predict` (resize, bf16 autocast on GPUs, top-100 post-processing)."""
    import torch

    from glovego_model.inference.predictor import EhoiPredictor

    name = "detector"
    section = report.section(name)
    frame_w, frame_h = (96, 64) if args.tiny else (1280, 720)
    warmup, iters = (1, 1) if args.tiny else (3, 10)
    model = build_detector(args.tiny).to(device).eval()
    predictor = EhoiPredictor(model, device=device)
    width, height = predictor.image_size
    section.update(model="RT-DETRv2-R18 CI size + EHOI heads" if args.tiny else "RT-DETRv2-R50 + EHOI heads (synth_pretrain)",
                   params_M=round(sum(p.numel() for p in model.parameters()) / 1e6, 2), frames=[frame_w, frame_h],
                   model_input=[width, height], reference_images_per_s=REFERENCE_IMAGES_PER_S)
    batches = (1, 2) if args.tiny else (1, 8)
    for precision in ("fp32", "bf16"):
        for batch in batches:
            check_budget(report, name, 10 if args.tiny else 20, f"model {precision} batch {batch}")
            pixels = torch.rand(batch, 3, height, width, device=device)
            autocast = torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else nullcontext()

            @torch.no_grad()
            def forward() -> None:
                with autocast:
                    model(pixels)

            reset_peak(device)
            seconds = timed(forward, device, warmup, iters)
            report.row(name, name=f"model {precision}" + (" autocast" if precision == "bf16" else ""), batch=batch,
                       input=f"{width}x{height}", images_per_s=round(batch / seconds, 2), peak_memory_GiB=peak_gib(device))
    rng = np.random.default_rng(0)
    best = 0.0
    for batch in batches:
        check_budget(report, name, 10 if args.tiny else 30, f"predictor batch {batch}")
        frames = [rng.integers(0, 256, (frame_h, frame_w, 3), dtype=np.uint8) for _ in range(batch)]
        reset_peak(device)
        seconds = timed(lambda: predictor.predict(frames, list(range(batch)), batch_size=batch), device, warmup, iters)
        best = max(best, batch / seconds)
        report.row(name, name="predictor", batch=batch, input=f"{frame_w}x{frame_h} frames",
                   precision="bf16 autocast" if device.type == "cuda" else "fp32",
                   images_per_s=round(batch / seconds, 2), peak_memory_GiB=peak_gib(device))
    section["predictor_best_images_per_s"] = round(best, 2)
    section["ratio_vs_reference"] = round(best / REFERENCE_IMAGES_PER_S, 2)
    report.row(name, **onnx_inference_row(model, device, (height, width)))


# ----- 3. training ------------------------------------------------------------------------------
def synthetic_labels(batch: int, size: int, num_classes: int, device: Any, seed: int) -> list[dict[str, Any]]:
    """Targets with every key the EHOI losses read: 3 objects and 3 hands (2 in contact) per image."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    hand = num_classes - 1
    out = []
    for _ in range(batch):
        n = 6
        centres = torch.rand(n, 2, generator=generator) * 0.6 + 0.2
        sizes = torch.rand(n, 2, generator=generator) * 0.2 + 0.05
        masks = torch.zeros(n, size, size, dtype=torch.uint8)
        for i in range(n):
            x0, y0 = ((centres[i] - sizes[i] / 2) * size).long().tolist()
            x1, y1 = ((centres[i] + sizes[i] / 2) * size).long().tolist()
            masks[i, y0:y1, x0:x1] = 1
        out.append({k: v.to(device) for k, v in {
            "class_labels": torch.tensor([0, 1, 2, hand, hand, hand]), "boxes": torch.cat([centres, sizes], 1),
            "is_hand": torch.tensor([False] * 3 + [True] * 3), "side": torch.tensor([-1, -1, -1, 0, 1, 1]),
            "contact": torch.tensor([-1, -1, -1, 1, 0, 1]), "glove": torch.tensor([-1, -1, -1, 1, 0, 0]),
            "offset": centres[[0, 0, 0, 0, 1, 2]] - centres, "offset_valid": torch.tensor([False] * 3 + [True, False, True]),
            "keypoints": torch.rand(n, 21, 2, generator=generator), "kp_vis": torch.full((n, 21), 2),
            "masks": masks, "mask_valid": torch.ones(n, dtype=torch.bool),
            "depth": torch.rand(size, size, generator=generator),
        }.items()})
    return out


def training_section(report: Report, args: argparse.Namespace, device: Any) -> None:
    import torch

    from glovego_model.engine.finite import FiniteStepGuard
    from glovego_model.engine.optim import build_optimizer

    name = "training"
    section = report.section(name)
    batch, size, steps = (2, 64, 2) if args.tiny else (16, 640, 50)
    warmup = 1 if args.tiny else 3
    model = build_detector(args.tiny).to(device).train()
    optimizer = build_optimizer(model, 1e-4, 1e-4, 0.1)  # the recipe's AdamW groups
    section.update(batch=batch, size=[size, size], steps=steps, precision="bf16 autocast", grad_clip=0.1,
                   recipe="synth_pretrain (batch 16 at 640², every EHOI head)")
    pixels = torch.rand(batch, 3, size, size, device=device)
    labels = synthetic_labels(batch, size, model.config.num_labels, device, seed=0)
    losses: list[float] = []

    guard = FiniteStepGuard(model, SimpleNamespace(num_processes=1))  # the trainer's per-step checks, timed too

    def step() -> None:
        """One step of `Trainer.fit`: bf16 autocast forward, backward, clip 0.1, AdamW, non-finite guard."""
        guard.before_forward()
        with torch.autocast(device.type, dtype=torch.bfloat16):
            loss = model(pixels, labels=labels).loss
        if guard.loss_is_finite(loss):
            loss.backward()
        norm = None if guard.step_is_bad else torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        if guard.commit(norm, scaled=False):
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))

    check_budget(report, name, 30 if not args.tiny else 5, "training")
    for _ in range(warmup):
        step()
    losses.clear()
    reset_peak(device)
    synchronize(device)
    t0 = time.perf_counter()
    for i in range(steps):
        step()
        if not args.tiny and i % 10 == 9:
            report.say(name, f"step {i + 1}/{steps}, loss {losses[-1]:.3f}")
            if report.remaining() < 0:
                break  # out of time: report the steps done
    synchronize(device)
    seconds = time.perf_counter() - t0
    done = len(losses)
    finite = all(math.isfinite(v) for v in losses)
    report.row(name, name="bf16 autocast", batch=batch, steps=done, images_per_s=round(batch * done / seconds, 2),
               seconds_per_step=round(seconds / done, 3), peak_memory_GiB=peak_gib(device),
               losses_finite=finite, skipped_steps=guard.skipped, first_loss=round(losses[0], 4),
               last_loss=round(losses[-1], 4))
    if not finite:
        raise FloatingPointError(f"non-finite training losses: {[v for v in losses if not math.isfinite(v)][:5]}")
    if done < steps:
        section["status"] = "partial"


# ----- main -------------------------------------------------------------------------------------
SECTIONS = {"detector": detector_section, "training": training_section, "kontext": kontext_section}


def print_table(report: Report) -> None:
    print(f"\n{report.data['device']} — {'tiny configs' if report.data['tiny'] else 'full size'}, "
          f"{report.elapsed():.0f} s of a {report.budget_s:.0f} s budget")
    for name, section in report.data["sections"].items():
        print(f"\n{name}: {section['status']}" + (f" ({section['error']})" if section.get("error") else ""))
        for row in section["rows"]:
            print("  " + " | ".join(f"{k} {_fmt(v)}" for k, v in row.items()))


def markdown_rows(report: Report) -> str:
    """`| section | row | measured |` lines to paste into the README's GPU table, GPU named."""
    lines = [f"measured on {report.data['device']} (`benchmarks/gpu.py`, torch {report.data['torch']}, "
             f"diffusers {report.data['diffusers']})", "", "| section | row | measured |", "|---|---|---|"]
    for name, section in report.data["sections"].items():
        if section.get("error"):
            lines.append(f"| {name} | — | failed: {section['error']} |")
        for row in section["rows"]:
            values = ", ".join(f"{k} {_fmt(v)}" for k, v in row.items() if k not in ("name", "method"))
            lines.append(f"| {name} | {row.get('name', '')} | {values} |")
    return "\n".join(lines)


def header(device: Any, tiny: bool) -> dict[str, Any]:
    import diffusers
    import torch
    import transformers

    info: dict[str, Any] = {"tiny": tiny, "device": f"CPU ({platform.processor() or platform.machine()}, "
                            f"{torch.get_num_threads()} threads)", "torch": torch.__version__,
                            "diffusers": diffusers.__version__, "transformers": transformers.__version__}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(device=torch.cuda.get_device_name(device), capability=list(torch.cuda.get_device_capability(device)),
                    memory_GiB=round(props.total_memory / 2**30, 1), cuda=torch.version.cuda,
                    tf32_matmul=torch.backends.cuda.matmul.allow_tf32)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny configs, 1–2 steps (CPU, seconds)")
    parser.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    parser.add_argument("--out", default="gpu_report.json")
    parser.add_argument("--budget-s", type=float, default=450.0,
                        help="start no row that would end after this long (default: 8 minutes less start-up)")
    parser.add_argument("--max-batch", type=int, default=16, help="largest Kontext batch to probe")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated subset of " + ",".join(SECTIONS))
    parser.add_argument("--work-dir", default=None, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "0")) or None)
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="glovego-gpu-") as scratch:
        args.work_dir = args.work_dir or scratch
        return _run(args, parser, device, out)


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser, device: Any, out: Path) -> int:
    import torch

    report = Report(out, header(device, args.tiny), args.budget_s)
    if device.type != "cuda" and not args.tiny:
        report.say("setup", "no CUDA GPU: full-size rows would take hours on a CPU; use --tiny here")
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {unknown}; choose from {list(SECTIONS)}")
    for name in wanted:
        run_section(report, name, lambda body=SECTIONS[name]: _until_out_of_time(body, report, args, device))
        if device.type == "cuda":
            torch.cuda.empty_cache()
    print_table(report)
    print("\nREADME rows:\n" + markdown_rows(report))
    print(f"\nwrote {out}")
    return 0 if all(s["status"] in ("ok", "partial") for s in report.data["sections"].values()) else 1


def _until_out_of_time(body: Callable[..., None], report: Report, args: argparse.Namespace, device: Any) -> None:
    try:
        body(report, args, device)
    except OutOfTime:
        for section in report.data["sections"].values():
            if section["status"] == "running":
                section["status"] = "partial"


if __name__ == "__main__":
    sys.exit(main())
