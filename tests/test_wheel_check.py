""".ci/check_wheels.py names what fails and never passes without the registry (CI runs it for real)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / ".ci" / "check_wheels.py"

if sys.version_info < (3, 11):
    pytest.skip("the check runs under the README environment's Python (tomllib)", allow_module_level=True)


def _module():
    spec = importlib.util.spec_from_file_location("check_wheels", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_requirements_come_from_pyproject_with_torch_apart() -> None:
    check = _module()
    legacy, torch = check.project_requirements(check.INSTALLS["legacy"])
    current, _ = check.project_requirements(check.INSTALLS["current"])
    assert str(torch.specifier) == ">=2.4"
    assert not any(r.startswith("torch") for r in legacy + current)
    assert "mediapipe==0.10.21; python_version < '3.13'" in legacy and "numpy<2; python_version < '3.13'" in legacy
    assert "mediapipe>=0.10.30" in current and not any(r.startswith("numpy<") for r in current)
    assert {"onnx>=1.17", "onnxruntime>=1.18", "onnxscript"} <= set(legacy) & set(current)
    core, _ = check.project_requirements(())
    assert not any("mediapipe" in r for r in core)  # the core commands never need MediaPipe


def test_pip_errors_are_reduced_to_the_lines_that_name_packages() -> None:
    check = _module()
    stderr = """Collecting numpy
ERROR: Cannot install mediapipe==0.10.21 and numpy>=2 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested numpy>=2
    mediapipe 0.10.21 depends on numpy<2
ERROR: ResolutionImpossible: for help visit https://pip.pypa.io
"""
    problems = check.pip_problems(stderr)
    assert "mediapipe 0.10.21 depends on numpy<2" in problems and "The user requested numpy>=2" in problems
    assert check.registry_unreachable("Failed to establish a new connection: [Errno 111] Connection refused")
    assert not check.registry_unreachable(stderr)


def _run(tmp_path: Path, index_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=index_url, PIP_RETRIES="0", PIP_TIMEOUT="5",
               PIP_NO_INPUT="1", XDG_CACHE_HOME=str(tmp_path / "cache"), PYENV_ROOT=str(tmp_path / "no-pyenv"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    return subprocess.run([sys.executable, str(SCRIPT), "--python", py, "--install", "current", "--jobs", "1"],
                          capture_output=True, text=True, timeout=300, env=env)


def test_missing_wheels_fail_and_are_named(tmp_path: Path) -> None:
    index = tmp_path / "simple"
    index.mkdir()  # a registry that holds nothing
    done = _run(tmp_path, index.as_uri())
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL Python" in done.stdout and "FAILED: Python" in done.stdout
    assert "numpy>=1.24" in done.stdout  # the first requirement pip could not find, by name
    assert "no torch wheel for this Python" in done.stdout


def test_an_unreachable_registry_fails_and_says_so(tmp_path: Path) -> None:
    done = _run(tmp_path, "http://127.0.0.1:9/simple")  # nothing listens on the discard port
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the package registry cannot be reached, so nothing was checked" in done.stdout
