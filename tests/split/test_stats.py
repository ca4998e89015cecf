"""`glovego stats` against counts the test computes from the generator's own records."""

from __future__ import annotations

from PIL import Image as PILImage

from glovego_data.ehoi_coco import load_dataset
from glovego_pipelines.split import run_split
from glovego_pipelines.stats import run_stats


def test_stats_match_independent_counts(tmp_path, generate):
    t_synth = generate(tmp_path / "synth", videos=12, frames=3, synthetic=True)
    t_real = generate(tmp_path / "real", videos=30, frames=3, first_id=5001)
    package = run_split(tmp_path / "pkg", synth=tmp_path / "synth", real=tmp_path / "real", percents=(10, 50)).package
    stats = run_stats(package, plot=tmp_path / "dist.png")
    grand = {"images": 0, "hands": 0, "ehois": 0, "gloved": 0}
    for root, truth in (("synth", t_synth), ("real", t_real)):
        for split in ("train", "val", "test", "train_10", "train_50"):
            # which images are in the split is the package's choice; everything counted about them is the truth's
            names = [img.file_name for img in load_dataset(package / root / "annotations" / f"{split}.json").images]
            counts = stats["roots"][root]["splits"][split]
            hands = sum(truth.hands[n] for n in names)
            gloved = sum(truth.gloved[n] for n in names)
            assert counts["images"] == len(names)
            assert counts["hands"] == hands
            assert counts["ehois"] == sum(truth.ehois[n] for n in names)
            assert counts["gloved_hands"] == gloved
            assert counts["gloved_percent"] == round(100 * gloved / hands, 2)
            assert counts["objects"] == len(names)  # one object per frame
            assert counts["categories"]["hand"] == hands
        total = stats["roots"][root]["total"]
        assert total["images"] == len(truth.hands)
        assert total["hands"] == sum(truth.hands.values())
        assert total["ehois"] == sum(truth.ehois.values())
        assert total["attributes"]["gloves"]["gloved"] == sum(truth.gloved.values())
        grand["images"] += len(truth.hands)
        grand["hands"] += sum(truth.hands.values())
        grand["ehois"] += sum(truth.ehois.values())
        grand["gloved"] += sum(truth.gloved.values())
    assert stats["total"]["images"] == grand["images"]
    assert stats["total"]["hands"] == grand["hands"]
    assert stats["total"]["ehois"] == grand["ehois"]
    assert stats["total"]["gloved_percent"] == round(100 * grand["gloved"] / grand["hands"], 2)
    with PILImage.open(tmp_path / "dist.png") as plot:
        assert plot.size[0] > 600 and plot.size[1] > 400


def test_stats_of_a_root_without_splits_counts_its_files(tmp_path, generate):
    truth = generate(tmp_path / "pkg" / "real", videos=4, frames=2)
    stats = run_stats(tmp_path / "pkg")
    assert list(stats["roots"]["real"]["splits"]) == ["all"]
    assert stats["total"]["hands"] == sum(truth.hands.values())
