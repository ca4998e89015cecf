"""The checks a command applies before it uses an EHOI-COCO file (train, eval): `validate`'s own
checklist, so no command accepts what `validate` rejects, ending in one line naming the file and
the record instead of a crash hours in or metrics computed on broken ground truth."""

from __future__ import annotations

from pathlib import Path

from glovego_data.ehoi_coco.schema import EhoiDataset
from glovego_data.ehoi_coco.validate import Violation, image_file_problem, validate_file
from glovego_data.errors import GlovegoError


def require_valid(path: str | Path, dataset: EhoiDataset, *, root: Path | None = None) -> None:
    """Raise GlovegoError with the first problem of `path` (already loaded as `dataset`).

    v1 files get every error row of `validate` (on unknown images, duplicate ids, boxes outside
    the image, …); foreign files were repaired when loaded and get the disk rows only. With `root`
    every image must exist and its header decode to the JSON's width × height.
    """
    path = Path(path)
    if dataset.foreign:
        problems = _image_problems(path, dataset, root) if root is not None else []
    else:
        problems = [v for v in validate_file(path, root=root, check_companion=False) if v.severity == "error"]
    if problems:
        more = f" (and {len(problems) - 1} more; glovego validate {path} lists them)" if len(problems) > 1 else ""
        raise GlovegoError(f"{problems[0]}{more}")


def _image_problems(path: Path, dataset: EhoiDataset, root: Path) -> list[Violation]:
    """Missing, undecodable or wrongly sized images of a foreign file (v1 files get these from validate)."""
    out = []
    for img in dataset.images:
        problem = image_file_problem(root, str(img.file_name), (img.width, img.height))
        if problem is not None:
            out.append(Violation(str(path), problem, "image", img.id))
    return out
