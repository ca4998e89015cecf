"""What the safety tests share: the "world" of a test, the CLI runner and the one-line check.

(A module of its own: in importlib mode tests cannot import `conftest`.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from glovego_data.ehoi_coco import REFERENCE_CATEGORIES

TOY_SIZE = (64, 48)
TOY_CATEGORIES = list(REFERENCE_CATEGORIES)  # the toy scenes use the reference classes, hand last

OUTSIDE_NAMES = {  # file_names that all reach <world>/secret.png from <world>/data/images/
    "absolute": lambda world: str(world.secret),
    "dotdot": lambda world: "../../secret.png",
    "nested": lambda world: "x/../../../secret.png",
}


@dataclass
class World:
    """`root/` holds `data/` (a dataset root), `secret.png` (outside every input and output) and
    is where each test puts its output."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def json(self) -> Path:
        return self.data / "annotations" / "train.json"

    @property
    def secret(self) -> Path:
        return self.root / "secret.png"

    def poison(self, kind: str) -> str:
        """Give the first image a `file_name` pointing at `secret.png` (see `OUTSIDE_NAMES`)."""
        raw = json.loads(self.json.read_text())
        name = OUTSIDE_NAMES[kind](self)
        raw["images"][0]["file_name"] = name
        self.json.write_text(json.dumps(raw))
        return name


def cli(*args: object):
    """Run `glovego ARGS…` in-process; the result has exit_code, stdout and stderr."""
    from typer.testing import CliRunner

    from glovego_cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(result) -> str:
    """The single error line a failed command printed (rich may wrap; words are rejoined)."""
    text = result.stderr.strip()
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]
