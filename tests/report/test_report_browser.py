"""The report as a person sees it: index.html from file:// in headless Chromium."""

from __future__ import annotations

import json

import pytest
from browser import chromium_page
from report_case import write_case

from glovego_pipelines.evaluate import run_evaluate


def _at(data, path: str):
    for part in path.split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


@pytest.mark.slow
def test_page_loads_offline_with_every_picture_and_the_counts_of_report_json(tmp_path):
    gt, pred, _, records = write_case(tmp_path / "data", 10, seed=3, skip_pictures=1)
    older = tmp_path / "older.json"  # another run: a third of the detections fewer
    older.write_text(json.dumps([r for i, r in enumerate(records) if i % 3]))
    first = run_evaluate(gt, predictions=older, report=tmp_path / "old").report
    report_dir = run_evaluate(gt, predictions=pred, report=tmp_path / "report", compare=first).report
    report = json.loads((report_dir / "report.json").read_text())
    assert report["missing_images"], "the image without a file is named"
    assert report["compare"]["images"], "the two runs disagree on some images"

    with chromium_page() as page:
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto((report_dir / "index.html").as_uri())
        page.wait_for_load_state("load")
        assert problems == []

        # Every count on the page is report.json's.
        cells = page.eval_on_selector_all("[data-path]", "els => els.map(e => [e.dataset.path, e.textContent])")
        assert len(cells) > 40
        for path, text in cells:
            assert int(text) == _at(report, path), path

        # Every gallery, one after the other: each picture decoded, each card one image of that gallery.
        kinds = [k for k, ranks in report["galleries"].items() if ranks]
        assert kinds
        for kind in ["", *kinds, "compare"]:
            page.select_option("#filter-kind", kind)
            expected = (report["galleries"][kind] if kind in report["galleries"] else
                        [c["rank"] for c in report["compare"]["images"]] if kind == "compare" else
                        sorted({r for ranks in report["galleries"].values() for r in ranks}, key=int))
            ranks = page.eval_on_selector_all(".card", "els => els.map(e => e.dataset.rank)")
            assert sorted(ranks, key=int) == sorted(expected, key=int), kind
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            sizes = page.eval_on_selector_all(".card img", "els => els.map(e => e.naturalWidth)")
            with_picture = [r for r in ranks if report["images"][r]["thumb"]]
            assert len(sizes) == len(with_picture) and all(size > 0 for size in sizes), kind

        # The file-name filter narrows the gallery.
        page.select_option("#filter-kind", "")
        name = report["images"][ranks[0]]["file_name"] if ranks else report["images"][next(iter(report["images"]))]["file_name"]
        page.fill("#filter-name", name)
        shown = page.eval_on_selector_all(".card", "els => els.map(e => e.dataset.rank)")
        assert shown and all(report["images"][r]["file_name"] == name for r in shown)
        page.fill("#filter-name", "")
        page.select_option("#filter-gloves", "glove")
        shown = page.eval_on_selector_all(".card", "els => els.map(e => e.dataset.rank)")
        every = {r for ranks in report["galleries"].values() for r in ranks}
        assert sorted(shown, key=int) == sorted((r for r in every if report["images"][r]["gt_gloves"]["glove"]), key=int)
        assert problems == []
