"""The output guard, tried on every command, mode and output option the CLI has.

The table comes from the CLI itself: every command registered on the Typer app (groups included)
must declare its output options per mode (`OUTPUTS` in its CLI module, gathered by
`commands.output_options`), and every declared (command, mode, option) must have a way to run it
here (`RUNS`; a mode that writes nothing: `QUIET`, run whole, and nothing may change). So a command or mode added later fails this test until it is covered. Each run must
be refused up front: exit 1, one line, and nothing changed anywhere (every tree hashed).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import typer

from glovego_cli.commands import output_options
from glovego_cli.main import app
from glovego_data.atomic import mark_ours
from safety_kit import cli, one_line
from trees import tree_hashes


@dataclass
class Inputs:
    """Everything the commands read, built once for the module under `root`."""

    root: Path

    data = property(lambda self: self.root / "data")
    json = property(lambda self: self.root / "data" / "annotations" / "train.json")
    package = property(lambda self: self.root / "package")
    solo = property(lambda self: self.root / "solo")
    detector = property(lambda self: self.root / "detector")
    predictions = property(lambda self: self.root / "predicted" / "predictions.json")
    sample = property(lambda self: self.root / "sample")
    user_folder = property(lambda self: self.root / "mine")
    user_file = property(lambda self: self.root / "notes.txt")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, toy_template: Path, solo_template: Path, tiny_detector: Path) -> Inputs:
    world = Inputs(tmp_path_factory.mktemp("outputs"))
    shutil.copytree(toy_template, world.data)
    shutil.copytree(solo_template, world.solo)
    shutil.copytree(tiny_detector, world.detector)
    assert cli("split", "--real", world.data, "--real-json", world.json, "--out", world.package,
               "--ratios", "0.34,0.33,0.33", "--percent", 50).exit_code == 0
    mark_ours(world.predictions.parent, "infer")  # infer's folder: its records and how it drew them
    world.predictions.write_text("[]")
    (world.predictions.parent / "infer.json").write_text(json.dumps({"categories": ["hand"]}))
    (world.sample / "real" / "annotations").mkdir(parents=True)
    shutil.copytree(solo_template, world.sample / "solo")
    shutil.copyfile(world.json, world.sample / "real" / "annotations" / "all.json")
    world.user_folder.mkdir()
    (world.user_folder / "thesis.tex").write_text("years of work")
    world.user_file.write_text("my notes")
    return world


Argv = Callable[[Inputs, Path], tuple]


def NO_INPUT(inputs: Inputs) -> None:
    """The primary input of a command that reads none (solo-generate)."""


@dataclass(frozen=True)
class Run:
    argv: Argv  # the command line with `out` as the output option's value
    primary: Callable[[Inputs], Path | None]  # the input that out is / lies inside / holds
    file: bool = False  # the output is one file, not a folder


RUNS: dict[tuple[str, str, str], Run] = {
    ("solo2coco", "", "OUT_DIR"): Run(lambda w, out: ("solo2coco", w.solo, out), lambda w: w.solo),
    ("solo-generate", "", "OUT_DIR"): Run(lambda w, out: ("solo-generate", out, "--sequences", 1, "--steps", 1),
                                          NO_INPUT),
    ("augment-gloves", "", "OUT_DIR"): Run(lambda w, out: ("augment-gloves", w.data, out, "--backend", "classical"),
                                           lambda w: w.data),
    ("split", "", "--out"): Run(lambda w, out: ("split", "--real", w.data, "--real-json", w.json, "--out", out),
                                lambda w: w.data),
    ("stats", "--plot", "--plot"): Run(lambda w, out: ("stats", w.package, "--plot", out), lambda w: w.package,
                                       file=True),
    ("train", "", "--output-dir"): Run(lambda w, out: ("train", "--config", "ci_tiny", "--train-json", w.json,
                                                       "--output-dir", out, "--max-steps", 1, "--image-size", 64),
                                       lambda w: w.json),
    ("eval", "--predictions", "--out"): Run(lambda w, out: ("eval", "--gt", w.json, "--predictions", w.predictions,
                                                            "--out", out), lambda w: w.predictions),
    ("eval", "--weights", "--out"): Run(lambda w, out: ("eval", "--gt", w.json, "--weights", w.detector, "--out", out,
                                                        "--device", "cpu"), lambda w: w.detector),
    ("eval", "--predictions", "--report"): Run(lambda w, out: ("eval", "--gt", w.json, "--predictions", w.predictions,
                                                               "--report", out), lambda w: w.predictions),
    ("eval", "--weights", "--report"): Run(lambda w, out: ("eval", "--gt", w.json, "--weights", w.detector,
                                                           "--report", out, "--device", "cpu"), lambda w: w.detector),
    ("label export", "", "--out"): Run(lambda w, out: ("label", "export", w.json, "--out", out), lambda w: w.json),
    ("label import", "", "--out"): Run(lambda w, out: ("label", "import", w.predictions, "--images", w.data / "images",
                                                       "--out", out), lambda w: w.predictions),
    ("infer", "", "--out"): Run(lambda w, out: ("infer", "--weights", w.detector, w.json, "--out", out,
                                                "--device", "cpu"), lambda w: w.json),
    ("infer", "--live", "--out"): Run(lambda w, out: ("infer", "--live", w.json, "--weights", w.detector, "--out", out,
                                                      "--device", "cpu"), lambda w: w.detector, file=True),
    ("infer", "--live", "--video-out"): Run(lambda w, out: ("infer", "--live", w.json, "--weights", w.detector,
                                                            "--video-out", out,
                                                            "--device", "cpu"), lambda w: w.detector, file=True),
    ("export", "", "--out"): Run(lambda w, out: ("export", w.detector, "--out", out), lambda w: w.detector,
                                 file=True),
    ("viz", "", "--out"): Run(lambda w, out: ("viz", w.data, "--out", out), lambda w: w.data),
    ("viz", "--predictions", "--out"): Run(lambda w, out: ("viz", "--predictions", w.predictions, "--images", w.json,
                                                           "--out", out), lambda w: w.predictions),
    ("demo", "", "--out"): Run(lambda w, out: ("demo", "--sample", w.sample, "--out", out, "--steps", 1),
                               lambda w: w.sample),
}


# Modes that declare no output: they run whole here and must leave every tree as it was.
QUIET: dict[tuple[str, str], Callable[[Inputs], tuple]] = {
    ("validate", ""): lambda w: ("validate", w.package),
    ("stats", ""): lambda w: ("stats", w.package, "--json"),
}


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    """Every command name the app registers, groups as `group sub`."""
    names = [prefix + (info.name or info.callback.__name__.replace("_", "-")) for info in group.registered_commands]
    for info in group.registered_groups:
        names += _commands(info.typer_instance, f"{prefix}{info.name} ")
    return names


def _declared() -> list[tuple[str, str, str]]:
    return [(command, mode, option) for command, modes in output_options().items()
            for mode, options in modes.items() for option in options]


def test_every_command_declares_its_outputs_and_every_output_is_tried():
    table = output_options()
    undeclared = [name for name in _commands(app) if name not in table]
    assert not undeclared, f"commands with no OUTPUTS declaration in their CLI module: {undeclared}"
    untried = [key for key in _declared() if key not in RUNS]
    assert not untried, f"declared outputs with no run in RUNS: {untried}"
    assert not [key for key in RUNS if key not in _declared()], "RUNS names an output no command declares"
    quiet = [(command, mode) for command, modes in table.items() for mode, options in modes.items() if not options]
    assert sorted(quiet) == sorted(QUIET), f"modes that write nothing, to run in QUIET: {quiet}"


@pytest.mark.parametrize("key", sorted(QUIET), ids=lambda key: " ".join(filter(None, key)))
def test_a_mode_that_declares_no_output_writes_nothing(inputs: Inputs, key):
    before = tree_hashes(inputs.root)
    result = cli(*QUIET[key](inputs))
    assert result.exit_code == 0, result.output
    assert tree_hashes(inputs.root) == before


def _target(inputs: Inputs, key: tuple[str, str, str], run: Run, where: str) -> Path:
    primary = run.primary(inputs)
    name = "x.onnx" if key[0] == "export" else "x.png"
    return {
        "is an input": lambda: primary,
        "inside an input": lambda: primary / name,
        "holds an input": lambda: primary.parent,
        "a user's folder": lambda: inputs.user_folder,
        "another command's folder": lambda: inputs.solo if key[0] == "split" else inputs.package,
        "an existing file": lambda: inputs.user_file,
    }[where]()


NO_OVERWRITE = {"solo2coco", "augment-gloves", "train"}  # resumable jobs: they continue their own folder

WHERE = ("is an input", "inside an input", "holds an input", "a user's folder", "another command's folder",
         "an existing file")


def _cases() -> list:
    """command × mode × option × where × (plain, --overwrite), less what does not apply: a command
    that reads nothing has no input to be; resumable jobs have no --overwrite; an existing file
    given with --overwrite is exactly what the user asked to replace (test_output_plan shows it)."""
    cases = []
    for key, run in sorted(RUNS.items()):
        for where in WHERE:
            if run.primary is NO_INPUT and where in ("is an input", "inside an input", "holds an input"):
                continue
            for overwrite in (False, True):
                if overwrite and (key[0] in NO_OVERWRITE or (where == "an existing file" and run.file)):
                    continue
                label = f"{' '.join(filter(None, key))} | {where}{' | --overwrite' if overwrite else ''}"
                cases.append(pytest.param(key, where, overwrite, id=label))
    return cases


@pytest.mark.parametrize(("key", "where", "overwrite"), _cases())
def test_every_output_is_refused_before_any_work(inputs: Inputs, key, where: str, overwrite: bool):
    run = RUNS[key]
    out = _target(inputs, key, run, where)
    argv = [*run.argv(inputs, out), *(["--overwrite"] if overwrite else [])]
    before = tree_hashes(inputs.root)
    result = cli(*argv)
    assert result.exit_code == 1, (argv, result.output)
    line = one_line(result)
    assert line.startswith(f"{key[0]}: "), line
    assert tree_hashes(inputs.root) == before, f"{argv} changed files"
