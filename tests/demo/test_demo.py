"""`glovego demo` end to end on the bundled sample, exactly as `make demo` runs it: every stage leaves
what a user is told to open, the package is reference-compatible as it is, and the detector it
trains scores above zero on every EHOI metric with the headline above a floor (docs/demo.md)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.ehoi_coco import REFERENCE_CATEGORIES, load_dataset
from glovego_data.split.verify import validate_target as validate_path

EHOI_METRICS = (
    "AP Hand", "mAP Objects", "mAP Target Objects", "AP Hand + Side", "AP Hand + Glove", "AP Hand + State",
    "mAP Hand + State", "mAP Hand + Target Objects", "mAP Hand + ALL", "AP All",
)
# A floor below the minimum of benchmarks/demo_spread.py's runs (13.61, seed 0, one thread;
# docs/demo.md); a detector that did not train scores 0.00 (the demo at one step). Heads left at
# chance are caught by the loss checks below. Exact values are no test.
HEADLINE_AT_LEAST = 10.0
ATTRIBUTE_LOSSES = ("loss_ehoi_side", "loss_ehoi_contact", "loss_ehoi_offset")


def _last_train_losses(metrics_csv) -> dict[str, float]:
    """The attribute losses at the last logged step: a failing headline says which head stayed at chance."""
    last: dict[str, float] = {}
    with open(metrics_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "train" and row["name"] in ATTRIBUTE_LOSSES:
                last[row["name"]] = round(float(row["value"]), 3)
    return last


@pytest.mark.slow
def test_demo_runs_the_whole_chain_and_its_detector_learns(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])  # the defaults `make demo` uses
    assert result.exit_code == 0, result.output

    package = out / "GlovEgo-HOI"
    assert [v for v in validate_path(package) if v.severity == "error"] == []
    synth_all = load_dataset(out / "synth_coco" / "annotations" / "all.json")
    real_all = load_dataset(out / "real_gloved" / "annotations" / "all.json")
    for root, source in (("synth", synth_all), ("real", real_all)):
        split_ids = set()
        for split in ("train", "val", "test"):
            ds = load_dataset(package / root / "annotations" / f"{split}.json")
            assert not split_ids & {img.file_name for img in ds.images}
            split_ids |= {img.file_name for img in ds.images}
        assert split_ids == {img.file_name for img in source.images}
    assert len(synth_all.images) == 8 and len(real_all.images) == 38 + 72  # bundled + generated (test, val)

    for path in sorted(package.glob("*/annotations/*.json")):  # the reference's 20 classes, hand = 19
        raw = json.loads(path.read_text())
        assert [c["name"] for c in sorted(raw["categories"], key=lambda c: c["id"])] == list(REFERENCE_CATEGORIES), path
        assert {c["name"]: c["id"] for c in raw["categories"]}["hand"] == 19, path

    metrics = json.loads((out / "eval" / "metrics.json").read_text())
    assert list(metrics["ehoi"]) == list(EHOI_METRICS)
    assert json.loads((out / "eval_report" / "report.json").read_text())["metrics"] == metrics
    assert (out / "eval_report" / "index.html").is_file()
    print("demo EHOI metrics:", {name: round(value, 2) for name, value in metrics["ehoi"].items()})
    assert all(0.0 < value <= 100.0 for value in metrics["ehoi"].values()), metrics["ehoi"]
    losses = _last_train_losses(out / "run" / "metrics.csv")
    assert metrics["ehoi"]["mAP Hand + ALL"] >= HEADLINE_AT_LEAST, (metrics["ehoi"], losses)
    # Chance is 0.69 for both BCE heads (measured at the end: 0.003-0.06 once learnt). The offset's
    # window loss is too noisy to gate on; the headline needs it (Hand + ALL <= Hand + Target Objects).
    assert losses["loss_ehoi_side"] < 0.2 and losses["loss_ehoi_contact"] < 0.2, losses
    assert metrics["undefined"] == []
    test = load_dataset(package / "real" / "annotations" / "test.json")
    assert metrics["counts"]["images"] == len(test.images) == 64

    predictions = json.loads((out / "infer" / "predictions.json").read_text())
    assert {record["image_id"] for record in predictions} <= {img.id for img in test.images}
    assert len(list((out / "infer" / "pictures").rglob("*.jpg"))) == len(test.images)
    assert (out / "real_gloved" / "preview.png").is_file()
    assert (out / "stats.png").is_file() and (out / "run" / "curves.png").is_file()
    assert len(list((out / "viz").rglob("*.jpg"))) == min(12, len(test.images))
    assert "mAP Hand + ALL" in result.output and "#EHOIs" in result.output
