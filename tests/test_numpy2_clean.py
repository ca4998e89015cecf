"""numpy 2 / OpenCV 5 cleanliness: no removed numpy names in our code, no result that depends on
which numpy runs it (CI runs this file under numpy 1.26 and again under numpy 2)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from glovego_data.solo.depth_outputs import depth_to_map8

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("glovego_data", "glovego_model", "pipelines", "cli", "benchmarks", "assets", "docs", "tests")
# Removed in numpy 2.0 (NEP 52) or renamed private: each of these raises AttributeError there.
REMOVED = re.compile(
    r"\bnp\.(float_|complex_|cfloat|longfloat|singlecomplex|clongfloat|longcomplex|string_|unicode_|"
    r"product|cumproduct|alltrue|sometrue|in1d|row_stack|trapz|round_|asfarray|NaN|NAN|Inf|PINF|NINF|"
    r"infty|cast|find_common_type|msort|issubclass_|safe_eval|set_string_function|deprecate|who|"
    r"source|lookfor|byte_bounds|compare_chararrays|obj2sctype|sctype2char|sctypes|issctype|"
    r"maximum_sctype|bool8|int0|uint0|float96|float128)\b|\bnumpy\.core\b|\bnp\.core\b"
)
# np.array(..., copy=False) means "never copy" in numpy 2 and raises where a copy is needed.
COPY_FALSE = re.compile(r"\bnp\.(array|asarray)\([^()]*copy=False")


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py") if p.name != Path(__file__).name)


def test_no_numpy_name_removed_in_numpy_2() -> None:
    hits = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in _sources()
            for i, line in enumerate(p.read_text().splitlines(), 1) if REMOVED.search(line) or COPY_FALSE.search(line)]
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("range_m", [5.0, np.float64(5.0), np.float32(5.0)])
def test_depth_map_levels_do_not_depend_on_the_numpy_version(range_m: float) -> None:
    """Under NEP 50 a numpy float64 range lifts float32 maths to float64: these depths then land on
    the next level (217, 65, 197 instead of 216, 66, 196) unless the map is computed in float32."""
    depth = np.array([[4.245098114013672, 1.284313678741455, 3.8529412746429443, 0.0, 9.0]], np.float32)
    assert depth_to_map8(depth, range_m).tolist() == [[216, 66, 196, 255, 255]]
