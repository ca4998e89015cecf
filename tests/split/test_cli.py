"""The two commands end to end through Typer: tables, JSON, plot, and one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from glovego_cli.main import app

runner = CliRunner()


def test_split_then_stats_then_validate(tmp_path, generate):
    generate(tmp_path / "synth", videos=8, frames=3, synthetic=True)
    generate(tmp_path / "real", videos=20, frames=3, first_id=1001)
    out = tmp_path / "pkg"
    result = runner.invoke(app, ["split", "--synth", str(tmp_path / "synth"), "--real", str(tmp_path / "real"),
                                 "--out", str(out), "--percent", "10", "--percent", "50", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "train_50" in result.output and "groups keyed by" in result.output
    assert json.loads((out / "MANIFEST.json").read_text())["percents"] == [10, 50]
    result = runner.invoke(app, ["stats", str(out), "--json", "--plot", str(tmp_path / "d.png")])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert stats["roots"]["real"]["total"]["images"] == 60
    assert (tmp_path / "d.png").stat().st_size > 1000
    result = runner.invoke(app, ["stats", str(out)])
    assert result.exit_code == 0 and "#EHOIs" in result.output
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output


def test_errors_are_one_line_and_exit_1(tmp_path, generate):
    generate(tmp_path / "real", videos=3, frames=2)
    result = runner.invoke(app, ["split", "--real", str(tmp_path / "real"), "--out", str(tmp_path / "pkg"), "--percent", "0"])
    assert result.exit_code == 1
    assert "split: --percent must lie strictly between 0 and 100" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["stats", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "stats: " in result.output and "not a GlovEgo-HOI package" in result.output
