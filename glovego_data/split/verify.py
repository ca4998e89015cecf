"""`glovego validate` on a GlovEgo-HOI package: every root through the format checklist, one category
list across the package, and the MANIFEST checks (ehoi-coco.md §12 rows 1–30).

It lives in the split layer because a package is the split layer's product; the format library
(`ehoi_coco.validate`) checks files and dataset roots and never imports this package."""

from __future__ import annotations

from pathlib import Path

from glovego_data.ehoi_coco.validate import Violation, annotation_files, read_raw, validate_path, validate_root
from glovego_data.split.manifest import verify_package


def package_roots(package: Path) -> list[Path]:
    return [package / name for name in ("synth", "real") if (package / name / "annotations").is_dir()]


def _package_categories(package: Path, roots: list[Path]) -> list[Violation]:
    """Category ids and names identical in every file of the package (§2.2)."""
    out: list[Violation] = []
    reference: tuple[str, list] | None = None
    for root in roots:
        for path in annotation_files(root):
            raw, _ = read_raw(path, str(path))
            if raw is None or not isinstance(raw.get("categories"), list):
                continue  # reported by the file checks
            cats = [(c.get("id"), c.get("name")) for c in raw["categories"] if isinstance(c, dict)]
            name = str(path.relative_to(package))
            if reference is None:
                reference = (name, cats)
            elif cats != reference[1]:
                out.append(Violation(name, f"categories differ from {reference[0]}"))
    return out


def validate_package(package: str | Path, *, decode: bool = False) -> list[Violation]:
    """Every root (`synth/`, `real/`) of a package, the package-wide categories and MANIFEST.json."""
    package = Path(package)
    roots = package_roots(package)
    out: list[Violation] = []
    for root in roots:
        out.extend(validate_root(root, prefix=f"{root.name}/", decode=decode))
    out.extend(_package_categories(package, roots))
    out.extend(verify_package(package))
    return sorted(out, key=Violation.sort_key)


def validate_target(path: str | Path, *, decode: bool = False) -> list[Violation]:
    """What `glovego validate` takes: an annotation file, a dataset root or a package; `decode`
    decodes every image in full (else header and end marker only)."""
    path = Path(path)
    if path.is_dir() and package_roots(path):
        return validate_package(path, decode=decode)
    if path.is_dir() and not (path / "annotations").is_dir():
        return [Violation(str(path), "not an annotation file, a dataset root (annotations/) or a package (synth/, real/)")]
    return validate_path(path, decode=decode)
