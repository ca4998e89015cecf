"""Building a fresh detector, loading checkpoints (EHOI or COCO), and the scratch BatchNorm reset."""

from __future__ import annotations

import json
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from glovego_data.errors import GlovegoError
from glovego_model.modeling.config import EHOI_DEFAULTS, apply_ehoi_settings, build_config
from glovego_model.modeling.detector import model_class_for


def reset_batch_norms(model: nn.Module) -> None:
    """γ = 1, β = 0 and fresh statistics for every BatchNorm — only for training from scratch.

    transformers' RT-DETR init draws BatchNorm γ ~ N(0, 0.01) (§3 pitfall 2), harmless when a
    checkpoint overwrites it, crippling from scratch (AP 0.18 vs 0.85 after 200 steps).
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.reset_parameters()
                module.reset_running_stats()


def build_model(categories: Sequence[str], *, arch: str = "rt_detr_v2", backbone_depth: int = 18,
                size: str = "default", seed: int | None = None, **ehoi: Any) -> nn.Module:
    """A randomly initialised detector for `categories` (hand last), ready to train from scratch."""
    config = build_config(categories, arch=arch, backbone_depth=backbone_depth, size=size, scratch=True, **ehoi)
    if seed is not None:
        torch.manual_seed(seed)
    model = model_class_for(config)(config)
    reset_batch_norms(model)
    return model


def resolve_checkpoint(init: str) -> str:
    """A local folder, or a hub id already in the local cache; nothing is ever downloaded."""
    path = Path(init).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise GlovegoError(f"--init {init}: folder has no config.json")
        return str(path)
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(init, "config.json")
    except Exception:  # an id that is not even a valid repo name
        cached = None
    if isinstance(cached, str):
        return str(Path(cached).parent)
    raise GlovegoError(f"--init {init}: not a local folder and not in the local hub cache")


PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def check_checkpoint_files(path: str | Path) -> None:
    """config.json parses, the weights are safetensors (a `pytorch_model.bin` is refused by name),
    and every *.safetensors header and length are whole: a truncated file is named here instead of
    surfacing as a transformers / safetensors traceback without it."""
    from safetensors import safe_open

    folder = Path(path)
    config = folder / "config.json"
    try:
        json.loads(config.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        raise GlovegoError(f"{config}: not valid JSON, truncated or damaged ({error})") from None
    safetensors = sorted(folder.glob("*.safetensors"))
    pickles = sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
    if not safetensors and pickles:
        raise GlovegoError(f"{pickles[0]}: a pickle checkpoint; GlovEgo reads model folders from safetensors only "
                           "(a pickle can run code). Convert it where you trust it: load it with transformers and "
                           "call save_pretrained(folder, safe_serialization=True)")
    if not safetensors:
        raise GlovegoError(f"{folder}: no model.safetensors in this model folder (config.json alone is no model)")
    for weights in safetensors:
        try:
            with safe_open(str(weights), framework="pt"):
                pass
        except Exception as error:  # SafetensorError and friends carry no file name
            raise GlovegoError(f"{weights}: not a whole safetensors file, truncated or damaged ({error})") from None


def is_ehoi_config(config: Any) -> bool:
    return getattr(config, "ehoi_format_version", None) is not None


def load_config(init: str) -> Any:
    from transformers import AutoConfig

    path = resolve_checkpoint(init)
    check_checkpoint_files(path)
    return AutoConfig.from_pretrained(path, local_files_only=True)


def load_model(init: str, *, categories: Sequence[str] | None = None, **ehoi: Any) -> nn.Module:
    """Load an EHOI checkpoint as saved, or a COCO DETR-family checkpoint re-headed for `categories`.

    `ehoi_*` settings are put on the loaded config, never passed as `from_pretrained` kwargs
    (§3 pitfall 3: unknown kwargs reach the constructor). COCO checkpoints load with
    `ignore_mismatched_sizes=True`: the class-dependent tensors are re-sized, EHOI heads start fresh.
    """
    path = resolve_checkpoint(init)
    check_checkpoint_files(path)
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(path, local_files_only=True)
    coco = not is_ehoi_config(config)
    if coco:
        if categories is None:
            raise GlovegoError(f"--init {init}: a COCO checkpoint needs the dataset's categories")
        config.id2label = {i: name for i, name in enumerate(categories)}
        config.label2id = {name: i for i, name in enumerate(categories)}
        config.num_labels = len(categories)
        ehoi.setdefault("arch", config.model_type)
    before = {k: getattr(config, k, None) for k in EHOI_DEFAULTS}
    apply_ehoi_settings(config, **{k: v for k, v in ehoi.items() if v is not None})
    # A changed head layout (e.g. another contact modality) re-initialises only the heads it changes.
    reshaped = any(before[k] != getattr(config, k) for k in ("ehoi_contact_modality", "ehoi_use_depth", "ehoi_use_mask"))
    cls = model_class_for(config)
    with quiet_transformers():
        model, info = cls.from_pretrained(path, config=config, local_files_only=True, ignore_mismatched_sizes=True,
                                          output_loading_info=True)
    if not coco and not reshaped:
        _check_fit(path, info)
    return model


def _check_fit(path: Path, info: dict[str, Any]) -> None:
    """An EHOI checkpoint must fill every tensor of the model as it is: weights saved by another
    head layout would otherwise load half re-initialised, silently."""
    problems = [*(f"{key} missing" for key in sorted(info["missing_keys"])),
                *(f"{key} {tuple(saved)} in the file, {tuple(wanted)} here"
                  for key, saved, wanted in sorted(info["mismatched_keys"])),
                *(f"{key} not in this model" for key in sorted(info["unexpected_keys"]))]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise GlovegoError(f"{path}: checkpoint does not fit this version's EHOI model: {'; '.join(problems[:3])}{more}. "
                           "It was saved with another head layout; retrain, or load it with the version that wrote it")


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No transformers tqdm bar or load report under our own progress display: problems are ours to report."""
    from transformers.utils import logging

    bar, verbosity = logging.is_progress_bar_enabled(), logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bar:
            logging.enable_progress_bar()
