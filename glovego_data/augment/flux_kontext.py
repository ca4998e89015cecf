"""The FLUX.1-Kontext-dev backend (spec §3): the real diffusers `FluxKontextPipeline`, loaded locally.

The prompt never changes, so it is encoded once (text encoders loaded only for that) and cached in
`OUT_DIR/.work/prompt_embeds.safetensors` (for the run; the merge removes `.work/`); the editing pipeline is loaded without text encoders.
Each image gets its own CPU generator, so batching, rank and device never change its noise.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np
from PIL import Image as PILImage

from glovego_data.errors import GlovegoError

if TYPE_CHECKING:  # the CLI imports this module's constants: no OpenCV at start-up
    from glovego_data.augment.regions import HandRegion

DEFAULT_MODEL = "black-forest-labs/FLUX.1-Kontext-dev"
DEFAULT_PROMPT = (
    "Make the person wear yellow knitted work gloves on their hands. "
    "Keep everything else in the image exactly the same."
)
STEPS = 28
GUIDANCE = 2.5
MAX_SEQUENCE_LENGTH = 512
TEXT_COMPONENTS = ("text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2")


def missing_model_message(model: str) -> str:
    return (
        f"--model {model}: not found (no model_index.json) and not an accessible hub id; "
        f"FLUX.1-Kontext-dev weights are gated: accept the licence for {DEFAULT_MODEL} on "
        f"https://huggingface.co/{DEFAULT_MODEL}, download the diffusers folders "
        f"(e.g. `hf download {DEFAULT_MODEL} --exclude flux1-kontext-dev.safetensors ae.safetensors "
        "--local-dir <dir>`; the single-file flux1-kontext-dev.safetensors and ae.safetensors, ~24 GB, "
        "are not needed), then pass --model <dir> (or use --backend classical, the CPU recolour)"
    )


def resolve_model(model: str) -> Path:
    """A local diffusers folder, or a hub id already in the local hub cache; never downloads."""
    path = Path(model).expanduser()
    if (path / "model_index.json").is_file():
        return path
    looks_like_id = not path.exists() and model.count("/") == 1 and not model.startswith((".", "/", "~"))
    if looks_like_id:
        try:
            from huggingface_hub import snapshot_download

            cached = Path(snapshot_download(model, local_files_only=True))
        except Exception:  # any hub failure means: not in the local cache
            cached = None
        if cached is not None and (cached / "model_index.json").is_file():
            return cached
    raise GlovegoError(missing_model_message(model))


def prompt_key(model: str, prompt: str, max_sequence_length: int) -> str:
    return hashlib.sha256(f"{model}\n{prompt}\n{max_sequence_length}".encode()).hexdigest()


@dataclass(frozen=True)
class KontextSettings:
    model: str = DEFAULT_MODEL
    prompt: str = DEFAULT_PROMPT
    steps: int = STEPS
    guidance: float = GUIDANCE
    max_sequence_length: int = MAX_SEQUENCE_LENGTH
    compile: bool = False
    offload: str | None = None  # None or "model"


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """Library progress bars and notices would tear through our rich bar; the errors still show."""
    import diffusers.utils.logging as diffusers_logging
    import transformers.utils.logging as transformers_logging

    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch_dtype.*deprecated", category=FutureWarning)
        yield


def _dtype(device: Any) -> Any:
    import torch

    # bf16 on GPUs (the weights' dtype); float32 on CPU, where only tiny test models run.
    return torch.bfloat16 if str(device).startswith("cuda") else torch.float32


def encode_prompt_cached(settings: KontextSettings, model_dir: Path, cache: Path, device: Any) -> dict[str, Any]:
    """Load the cached prompt embeddings, or encode the prompt once with the text encoders alone."""
    import torch
    from safetensors.torch import load_file, save_file

    key = prompt_key(settings.model, settings.prompt, settings.max_sequence_length)
    if cache.is_file():
        from safetensors import safe_open

        with safe_open(str(cache), framework="pt") as handle:
            if (handle.metadata() or {}).get("key") == key:
                return load_file(str(cache))
    with _quiet_loading():
        from diffusers import FluxKontextPipeline

        pipe = FluxKontextPipeline.from_pretrained(
            str(model_dir), transformer=None, vae=None, torch_dtype=_dtype(device), local_files_only=True
        )
    pipe.to(device)
    with torch.no_grad():
        embeds, pooled, _ = pipe.encode_prompt(
            prompt=settings.prompt, prompt_2=None, device=device, max_sequence_length=settings.max_sequence_length
        )
    tensors = {"prompt_embeds": embeds.detach().cpu().contiguous(), "pooled_prompt_embeds": pooled.detach().cpu().contiguous()}
    del pipe
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    save_file(tensors, str(tmp), metadata={"key": key})
    os.replace(tmp, cache)
    return tensors


def shared_prompt_embeds(settings: KontextSettings, model_dir: Path, cache: Path, state: Any) -> dict[str, Any]:
    """Rank 0 encodes the prompt (or finds the cache); the other processes wait, then read the cache.

    `state` is accelerate's `PartialState` (device, is_main_process, wait_for_everyone).
    """
    embeds = encode_prompt_cached(settings, model_dir, cache, state.device) if state.is_main_process else None
    state.wait_for_everyone()
    if embeds is None:
        embeds = encode_prompt_cached(settings, model_dir, cache, state.device)
    return embeds


def to_work_size(images: Sequence[np.ndarray], size: tuple[int, int]) -> list[PILImage.Image]:
    """Lanczos to the bucket's work size (spec §3.2), so the pipeline's own resize is a no-op."""
    return [PILImage.fromarray(img[..., :3]).resize(size, PILImage.LANCZOS) for img in images]


def to_original_size(edited: Sequence[PILImage.Image], images: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Lanczos back to each original's size: the raw output."""
    return [
        np.asarray(out.convert("RGB").resize((img.shape[1], img.shape[0]), PILImage.LANCZOS))
        for out, img in zip(edited, images)
    ]


class KontextRunner:
    """One editing pipeline per process (no text encoders), fed with cached prompt embeddings.

    Subclasses pick the diffusers class (`pipeline_class`) and what an edit passes besides the image.
    """

    pipeline_class = "FluxKontextPipeline"

    def __init__(self, settings: KontextSettings, model_dir: Path, embeds: dict[str, Any], device: Any) -> None:
        import diffusers

        self.settings = settings
        self.device = device
        dtype = _dtype(device)
        components = {name: None for name in TEXT_COMPONENTS}
        with _quiet_loading():
            pipeline = getattr(diffusers, self.pipeline_class)
            self.pipe = pipeline.from_pretrained(str(model_dir), torch_dtype=dtype, local_files_only=True, **components)
        if settings.offload == "model":
            self.pipe.enable_model_cpu_offload(device=device)
        else:
            self.pipe.to(device)
        self.pipe.set_progress_bar_config(disable=True)
        if settings.compile:
            self.pipe.transformer.compile_repeated_blocks(fullgraph=True)
        self.prompt_embeds = embeds["prompt_embeds"].to(device=device, dtype=dtype)
        self.pooled_prompt_embeds = embeds["pooled_prompt_embeds"].to(device=device, dtype=dtype)

    def run(self, work: list[PILImage.Image], seeds: Sequence[int], **inputs: Any) -> list[PILImage.Image]:
        """One pipeline call on images already at the work size; one CPU generator per image."""
        import torch

        width, height = work[0].size
        generators = [torch.Generator("cpu").manual_seed(int(s)) for s in seeds]
        n = len(work)
        with torch.no_grad():
            return self.pipe(
                image=work,
                prompt_embeds=self.prompt_embeds.expand(n, -1, -1),
                pooled_prompt_embeds=self.pooled_prompt_embeds.expand(n, -1),
                guidance_scale=self.settings.guidance,
                num_inference_steps=self.settings.steps,
                height=height,
                width=width,
                max_area=width * height,
                max_sequence_length=self.settings.max_sequence_length,
                generator=generators,
                output_type="pil",
                _auto_resize=False,  # the input is already at its preferred (work) size
                **inputs,
            ).images


class KontextEditor(KontextRunner):
    """Whole-image Kontext edits (the paper's way): the model may redraw any pixel."""

    def edit(self, images: Sequence[np.ndarray], seeds: Sequence[int], size: tuple[int, int]) -> list[np.ndarray]:
        """Edit RGB uint8 images of one bucket: Lanczos to the work size, one call, Lanczos back."""
        return to_original_size(self.run(to_work_size(images, size), seeds), images)

    def edit_hands(
        self, images: Sequence[np.ndarray], regions: Sequence[Sequence[HandRegion]], seeds: Sequence[int], size: tuple[int, int]
    ) -> list[np.ndarray]:
        """The `Editor` call: the regions only matter later, to the composite and the hand decisions."""
        return self.edit(images, seeds, size)
