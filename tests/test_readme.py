"""README.md is followed word for word: its commands exist, their options parse, CI runs its test command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from glovego_cli.main import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def _shell_lines() -> list[str]:
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                lines.append(line)
    return lines


def _glovego_calls() -> list[list[str]]:
    calls = []
    for line in _shell_lines():
        words = shlex.split(line)
        for i, word in enumerate(words):
            if word.endswith("glovego") and i + 1 < len(words):
                calls.append(words[i + 1 :])
                break
    return calls


def test_readme_shows_exactly_two_setup_commands_and_ci_runs_the_test_one():
    make_lines = [line for line in _shell_lines() if line.startswith("make ")]
    assert make_lines == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo: setup$", makefile, re.M) and re.search(r"^test: setup\b", makefile, re.M)


CALLS = _glovego_calls()


def test_readme_documents_every_command():
    documented = {call[0] for call in CALLS}
    registered = {command.name for command in app.registered_commands}
    assert registered - documented <= {"demo", "validate", "stats", "solo-generate"}  # named in prose
    assert len(CALLS) >= 15


@pytest.mark.parametrize("call", CALLS, ids=[" ".join(c[:2]) for c in CALLS])
def test_readme_command_and_its_options_exist(call):
    command = call[:2] if call[0] in {group.name for group in app.registered_groups} else call[:1]  # `label export`
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"glovego {' '.join(command)}: {result.output}"
    for word in call[1:]:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in result.output, f"glovego {call[0]} has no option {option}"


def test_generated_cli_reference_is_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_cli_help", REPO / "docs" / "generate_cli_help.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "cli.md").read_text() == module.render(), "run: python docs/generate_cli_help.py"
