"""The glove backends by name, what each needs, and the `Editor` each process opens (spec §3, §9).

- `flux-kontext`: whole-image FLUX.1-Kontext edits (what the paper did); the composite and the
  SSIM gate keep the rest of the scene.
- `flux-kontext-inpaint`: the same model restricted to the dilated hand regions; the rest of the
  image is the original, bit for bit.
- `classical`: the CPU recolour (fallback, demo, tests, baseline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glovego_data.errors import GlovegoError

if TYPE_CHECKING:  # the CLI reads BACKEND_NAMES: no OpenCV or diffusers at its start-up
    from glovego_data.augment.editor import Editor
    from glovego_data.augment.flux_kontext import KontextSettings


@dataclass(frozen=True)
class Backend:
    name: str
    uses_model: bool  # FLUX.1-Kontext weights, prompt, steps, guidance and work size apply
    grabcut_boxes: bool  # a box-only hand is refined by GrabCut (the recolour needs its outline)


BACKENDS: dict[str, Backend] = {
    "flux-kontext": Backend("flux-kontext", uses_model=True, grabcut_boxes=False),
    "flux-kontext-inpaint": Backend("flux-kontext-inpaint", uses_model=True, grabcut_boxes=False),
    "classical": Backend("classical", uses_model=False, grabcut_boxes=True),
}
BACKEND_NAMES = tuple(BACKENDS)


def get_backend(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise GlovegoError(f"--backend must be one of {', '.join(BACKEND_NAMES)}; got {name!r}") from None


def open_editor(
    name: str, *, kontext: "KontextSettings", glove_rgb: tuple[int, int, int], embeds: dict[str, Any] | None, device: Any
) -> "Editor":
    """This process's editor: the model is loaded once here and serves every batch."""
    backend = get_backend(name)
    if not backend.uses_model:
        from glovego_data.augment.classical import ClassicalEditor

        return ClassicalEditor(glove_rgb)
    from glovego_data.augment.flux_kontext import KontextEditor, resolve_model

    model_dir = resolve_model(kontext.model)
    if name == "flux-kontext-inpaint":
        from glovego_data.augment.flux_kontext_inpaint import KontextInpaintEditor

        return KontextInpaintEditor(kontext, model_dir, embeds or {}, device)
    return KontextEditor(kontext, model_dir, embeds or {}, device)
