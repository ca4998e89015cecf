"""Every command that writes, on a read-only and on a full file system: one line naming the file
and the fault, exit 1, nothing half-written (staged outputs leave nothing at all), inputs unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_kit import World, cli, one_line
from faults import faulty_folder, files_under
from trees import Unchanged

REASONS = {
    "read-only": "read-only file system; choose an output folder you can write to",
    "full": "no space left on the device; free some space and run the same command again",
}


def _package(world: World) -> Path:
    package = world.root / "package"
    assert cli("split", "--real", world.data, "--real-json", world.json, "--out", package,
               "--ratios", "0.34,0.33,0.33", "--percent", 50).exit_code == 0
    return package


COMMANDS = {
    "solo2coco": lambda w, out, solo, det: ("solo2coco", solo, out),
    "solo-generate": lambda w, out, solo, det: ("solo-generate", out, "--sequences", 1, "--steps", 2, "--width", 64,
                                                "--height", 48),
    "augment-gloves": lambda w, out, solo, det: ("augment-gloves", w.data, out, "--backend", "classical"),
    "split": lambda w, out, solo, det: ("split", "--real", w.data, "--real-json", w.json, "--out", out,
                                        "--ratios", "0.34,0.33,0.33", "--percent", 50),
    "stats": lambda w, out, solo, det: ("stats", _package(w), "--plot", out / "stats.png"),
    "train": lambda w, out, solo, det: ("train", "--config", "ci_tiny", "--train-json", w.json, "--output-dir", out,
                                        "--max-steps", 1, "--image-size", 64, "--batch-size", 1),
    "eval": lambda w, out, solo, det: ("eval", "--gt", w.json, "--weights", det, "--out", out, "--device", "cpu"),
    "infer": lambda w, out, solo, det: ("infer", "--weights", det, w.json, "--out", out, "--device", "cpu"),
    "viz": lambda w, out, solo, det: ("viz", w.data, "--out", out),
}
IN_PLACE = {"augment-gloves", "train"}  # resumable jobs that write into their folder, not a staged copy


@pytest.mark.parametrize("kind", sorted(REASONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_fault_is_one_line_and_leaves_nothing_half_written(world: World, solo_template: Path, tiny_detector: Path,
                                                           monkeypatch, command: str, kind: str):
    argv_of = COMMANDS[command]
    with faulty_folder(world.root, kind, monkeypatch) as disk:
        out = disk / "out"
        argv = argv_of(world, out, solo_template, tiny_detector)
        with Unchanged(world.root, skip=(disk, world.root / "package")), Unchanged(solo_template):
            result = cli(*argv)
        assert result.exit_code == 1, result.output
        line = one_line(result)
        assert line.startswith(f"{command}: {disk}") and line.endswith(REASONS[kind]), line
        left = files_under(disk)
        if command not in IN_PLACE:
            assert left == [], left
        elif command == "augment-gloves":  # resumable: what is there is whole, and the job is not marked done
            assert "out/report.json" not in left and not [name for name in left if name.endswith(".tmp")], left
            for name in (n for n in left if n.startswith("out/images/")):
                assert (disk / name).read_bytes() == (world.data / name[len("out/"):]).read_bytes(), name
