"""`glovego eval … --report DIR` as users run it: files, the same numbers as metrics.json, bad input."""

from __future__ import annotations

import json

from report_case import write_case
from typer.testing import CliRunner

from glovego_cli.main import app


def _eval(*args: object):
    return CliRunner().invoke(app, ["eval", *map(str, args)])


def _line(result) -> str:
    return " ".join(result.output.split())


def test_report_holds_the_numbers_of_metrics_json_and_names_missing_pictures(tmp_path):
    gt, pred, raw, _ = write_case(tmp_path / "data", 8, seed=1, skip_pictures=2)
    result = _eval("--gt", gt, "--predictions", pred, "--out", tmp_path / "out", "--report", tmp_path / "rep")
    assert result.exit_code == 0, result.output
    assert "error report" in result.output
    assert "gallery picture(s) not found" in _line(result)
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert report["metrics"] == metrics
    assert {m["file_name"] for m in report["missing_images"]} <= {i["file_name"] for i in raw["images"][:2]}
    assert all(entry["thumb"] is None for entry in report["images"].values()
               if entry["file_name"] in {i["file_name"] for i in raw["images"][:2]})
    for entry in report["images"].values():
        if entry["thumb"]:
            assert (tmp_path / "rep" / entry["thumb"]).stat().st_size > 1000
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "http://" not in page and "https://" not in page  # nothing fetched from a network
    assert not (tmp_path / "rep.tmp").exists()


def test_unknown_image_id_one_line_and_no_report(tmp_path):
    gt, pred, _, records = write_case(tmp_path / "data", 3, seed=2)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records + [dict(records[0], image_id=123456)]))
    result = _eval("--gt", gt, "--predictions", bad, "--report", tmp_path / "rep")
    assert result.exit_code == 1
    assert f"record {len(records)}: image_id 123456 is not an image of {gt}" in _line(result)
    assert not (tmp_path / "rep").exists() and not (tmp_path / "rep.tmp").exists()


def test_an_existing_folder_not_made_by_glovego_is_left_alone(tmp_path):
    gt, pred, _, _ = write_case(tmp_path / "data", 3, seed=2)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = _eval("--gt", gt, "--predictions", pred, "--report", mine)
    assert result.exit_code == 1 and "already exists" in result.output
    result = _eval("--gt", gt, "--predictions", pred, "--report", mine, "--overwrite")
    assert result.exit_code == 1 and "was not made by glovego" in _line(result)
    assert len(result.output.strip().splitlines()) <= 2  # one message (rich may wrap it)
    assert (mine / "notes.txt").read_text() == "keep me" and sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_a_report_of_glovego_is_replaced_with_overwrite(tmp_path):
    gt, pred, _, _ = write_case(tmp_path / "data", 3, seed=2)
    assert _eval("--gt", gt, "--predictions", pred, "--report", tmp_path / "rep").exit_code == 0
    assert _eval("--gt", gt, "--predictions", pred, "--report", tmp_path / "rep", "--overwrite").exit_code == 0


def test_report_folder_must_not_be_an_input_or_the_out_folder(tmp_path):
    gt, pred, _, _ = write_case(tmp_path / "data", 3, seed=2)
    for folder in (tmp_path / "data", tmp_path / "data" / "images" / "r"):
        result = _eval("--gt", gt, "--predictions", pred, "--report", folder)
        assert result.exit_code == 1 and "--report" in result.output
    result = _eval("--gt", gt, "--predictions", pred, "--out", tmp_path / "o", "--report", tmp_path / "o")
    assert result.exit_code == 1 and "is the --out folder" in _line(result)
    result = _eval("--gt", gt, "--predictions", pred, "--compare", tmp_path)
    assert result.exit_code == 1 and "--compare needs --report" in result.output


def test_compare_with_a_plain_out_folder_gives_metric_deltas(tmp_path):
    gt, pred, _, records = write_case(tmp_path / "data", 6, seed=4)
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps(records[::2]))
    assert _eval("--gt", gt, "--predictions", fewer, "--out", tmp_path / "old").exit_code == 0
    result = _eval("--gt", gt, "--predictions", pred, "--report", tmp_path / "rep", "--compare", tmp_path / "old")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    old = json.loads((tmp_path / "old" / "metrics.json").read_text())
    for name, delta in report["compare"]["metrics"].items():
        assert delta == report["metrics"]["ehoi"][name] - old["ehoi"][name]
    assert report["compare"]["images"] == [] and report["compare"]["same_images"] is False
    result = _eval("--gt", gt, "--predictions", pred, "--report", tmp_path / "rep2", "--compare", tmp_path / "data")
    assert result.exit_code == 1 and "no report.json or metrics.json" in result.output
