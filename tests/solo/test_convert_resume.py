"""solo2coco resumes an interrupted run: the same bytes as an uninterrupted run, for any stop point,
and nothing reused when the inputs or the output options changed; and the per-frame progress that
the stop points hook into."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from glovego_data.errors import GlovegoError
from glovego_data.solo.convert import ConvertOptions, convert_solo
from glovego_data.solo.generator import GeneratedSolo, generate_solo
from glovego_data.solo.mapping import mapping_from_dict

sys.path.insert(0, str(Path(__file__).parent))
from solo_kit import run_convert  # noqa: E402

FRAMES = 8


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSolo:
    return generate_solo(tmp_path_factory.mktemp("gen") / "solo", sequences=2, steps=4, width=160, height=120, seed=3,
                         hands=(1, 2), objects=3, contact=0.7)


@pytest.fixture(scope="module")
def reference(scenes: GeneratedSolo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    run_convert(scenes.root, out)
    return out


def _stopping_at(frame: int, exception: BaseException):
    """A progress hook that raises once `frame` frames are done (a Ctrl-C, a crash)."""

    def progress(label: str, total: int):
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            if done[0] >= frame:
                raise exception

        return advance

    return progress


def _convert(src: Path, out: Path, progress=None, **options) -> object:
    options.setdefault("checkpoint_seconds", 0.0)  # a checkpoint after every frame
    opts = ConvertOptions(mapping=mapping_from_dict({}, "test.toml"), **options)
    return convert_solo(src, out, opts, progress=progress) if progress else convert_solo(src, out, opts)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "report.json"}


@pytest.mark.parametrize("stop", [1, 3, FRAMES - 1])
@pytest.mark.parametrize("workers", [1, 2])
def test_resumed_run_gives_the_bytes_of_an_uninterrupted_one(scenes, reference, tmp_path, stop, workers):
    out = tmp_path / "out"
    with pytest.raises(GlovegoError, match=rf"interrupted; the first {stop} of {FRAMES} frames are kept in .*out\.tmp: "
                                           "run the same command again to resume"):
        _convert(scenes.root, out, _stopping_at(stop, KeyboardInterrupt()), workers=workers, chunk_size=1)
    assert not out.exists() and (tmp_path / "out.tmp").is_dir()

    report = _convert(scenes.root, out, workers=3 - workers, chunk_size=2)  # another worker count: same bytes
    assert _files(out) == _files(reference)
    assert not (tmp_path / "out.tmp").exists()
    saved = json.loads((out / "report.json").read_text())
    expected = json.loads((reference / "report.json").read_text())
    assert saved["frames"] == {**expected["frames"], "resumed": stop} and report.frames_resumed == stop
    for key in ("images", "annotations_per_category", "hands", "ehois", "gloves", "warnings", "contact_sources"):
        assert saved[key] == expected[key], key


def test_a_run_stopped_twice_still_resumes(scenes, reference, tmp_path):
    out = tmp_path / "out"
    for stop in (2, 3):  # the second run resumes at 2 and stops 3 frames later
        with pytest.raises(GlovegoError, match="run the same command again to resume"):
            _convert(scenes.root, out, _stopping_at(stop + (2 if stop == 3 else 0), KeyboardInterrupt()))
    _convert(scenes.root, out)
    assert _files(out) == _files(reference)


def test_a_bad_frame_keeps_the_frames_before_it(scenes, reference, tmp_path):
    """A frame that fails (here: its file replaced by garbage) stops the run; once it is fixed, the
    run resumes at it. A frame the checkpoint covers that changed since makes the run start over."""
    src = tmp_path / "solo"
    run_copy = generate_solo(src, sequences=2, steps=4, width=160, height=120, seed=3, hands=(1, 2), objects=3,
                             contact=0.7)
    frame = sorted(run_copy.root.rglob("step2.frame_data.json"))[0]
    original = frame.read_bytes()
    frame.write_bytes(b"{ not json")
    out = tmp_path / "out"
    with pytest.raises(GlovegoError, match=rf"{frame.name}.*; the first 2 of {FRAMES} frames are kept"):
        _convert(src, out)
    frame.write_bytes(original)
    report = _convert(src, out)
    assert report.frames_resumed == 2
    assert _files(out) == _files(reference)

    out2 = tmp_path / "out2"
    with pytest.raises(GlovegoError):
        _convert(src, out2, _stopping_at(4, KeyboardInterrupt()))
    first = sorted(run_copy.root.rglob("step0.frame_data.json"))[0]
    first.write_bytes(first.read_bytes() + b" ")
    assert _convert(src, out2).frames_resumed == 0


def test_changed_options_or_restart_start_over(scenes, reference, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(GlovegoError):
        _convert(scenes.root, out, _stopping_at(3, KeyboardInterrupt()))
    assert _convert(scenes.root, out, mask_format="rle").frames_resumed == 0

    out2 = tmp_path / "out2"
    with pytest.raises(GlovegoError):
        _convert(scenes.root, out2, _stopping_at(3, KeyboardInterrupt()))
    assert _convert(scenes.root, out2, restart=True).frames_resumed == 0
    assert _files(out2) == _files(reference)


def test_an_error_before_any_checkpoint_leaves_nothing(scenes, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        _convert(scenes.root, out, _stopping_at(1, RuntimeError("boom")), checkpoint_seconds=3600.0)
    assert not out.exists() and not (tmp_path / "out.tmp").exists()


def test_generator_and_converter_report_progress_per_frame(tmp_path):
    """Both report through the shared hook: one task each, advanced to its total."""
    seen: dict[str, list[int]] = {}

    def progress(label: str, total: int):
        seen[label] = [total, 0]
        return lambda n: seen[label].__setitem__(1, seen[label][1] + n)

    generated = generate_solo(tmp_path / "solo", sequences=2, steps=[2, 3], width=96, height=72, seed=1,
                              progress=progress)
    _convert(generated.root, tmp_path / "out", progress)
    assert seen == {"steps": [5, 5], "frames": [5, 5]}


@pytest.mark.parametrize("damage", ["shortened length", "edited part"])
def test_a_checkpoint_whose_part_does_not_match_is_not_trusted(scenes, reference, tmp_path, damage):
    """Issue 23 item 7: a checkpoint `parts.annotations` length cut short was trusted and the
    finished all.json was not JSON. Each part is verified (length, sha256, a whole record)."""
    from glovego_data.solo.resume import CHECKPOINT

    out = tmp_path / "out"
    with pytest.raises(GlovegoError, match="run the same command again to resume"):
        _convert(scenes.root, out, _stopping_at(3, KeyboardInterrupt()))
    checkpoint = tmp_path / "out.tmp" / CHECKPOINT
    raw = json.loads(checkpoint.read_text())
    if damage == "shortened length":
        raw["parts"]["annotations"][0] -= 7
        checkpoint.write_text(json.dumps(raw))
    else:
        part = checkpoint.parent / "annotations.part"
        data = bytearray(part.read_bytes())
        data[5] ^= 1
        part.write_bytes(bytes(data))
    report = _convert(scenes.root, out)
    assert report.frames_resumed == 0
    assert _files(out) == _files(reference)
