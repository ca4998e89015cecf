"""`glovego infer --live SOURCE`: the model on a camera, a stream or a file played like one.

A reader thread takes frames as the source gives them (a file: paced at its FPS or `fps`) and
keeps only the newest; the model always takes that newest frame, so a frame that waited while the
model was busy is dropped (counted), never processed late or twice. Each processed frame becomes
one JSON line, written whole and flushed. The run ends when the source ends (exit 0), when a
stream drops out and `reconnect` cannot bring it back (`EXIT_LOST`), or on Ctrl-C (130).
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan

EXIT_LOST = 3  # the source dropped out (docs/infer.md "Live")
DEFAULT_FILE_FPS = 25.0  # a file whose header gives no frame rate
RECONNECT_WAIT = 1.0  # seconds between reconnection attempts


@dataclass
class LiveStats:
    """What the status line and the summary show."""

    read: int = 0
    processed: int = 0
    dropped: int = 0
    started: float = field(default_factory=time.perf_counter)
    latency_ms: float = 0.0  # capture → JSON line written, last frame
    latency_total_ms: float = 0.0
    reconnects: int = 0

    def rates(self) -> tuple[float, float]:
        """(input FPS, processed FPS) since the start."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return self.read / elapsed, self.processed / elapsed

    @property
    def mean_latency_ms(self) -> float:
        return self.latency_total_ms / self.processed if self.processed else 0.0


@dataclass
class LiveReport:
    stats: LiveStats
    end: str  # "ended", "lost" or "interrupted"
    message: str

    @property
    def exit_code(self) -> int:
        return {"ended": 0, "lost": EXIT_LOST, "interrupted": 130}[self.end]


def parse_source(text: str) -> int | str:
    """A camera index ("0"), a URL OpenCV opens (rtsp://, http://, …) or a video file."""
    if text.isdigit():
        return int(text)
    if "://" in text:
        return text
    if not Path(text).is_file():
        raise GlovegoError(f"--live {text}: no such video file (give a file, a camera index or a stream URL)")
    return text


class FrameReader(threading.Thread):
    """Reads the source in the background and keeps only its newest frame (RGB) for `take`."""

    def __init__(self, source: int | str, fps: float | None, reconnect: bool) -> None:
        super().__init__(daemon=True, name="glovego-live-reader")
        from glovego_data._cv2 import cv2

        self._cv2, self.source, self.reconnect = cv2, source, reconnect
        self.is_file = isinstance(source, str) and "://" not in source
        self.capture = self._open()
        file_fps = float(self.capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps or (file_fps if file_fps > 0 else DEFAULT_FILE_FPS)
        self.paced = self.is_file  # a camera or stream paces itself
        self.stats = LiveStats()
        self.end: str | None = None  # "ended" / "lost" once the source is finished
        self._slot: tuple[int, float, float, np.ndarray] | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()

    def _open(self) -> Any:
        capture = self._cv2.VideoCapture(self.source)
        if not capture.isOpened():
            raise GlovegoError(f"--live {self.source}: OpenCV cannot open this source")
        return capture

    def run(self) -> None:
        index, start = 0, time.perf_counter()
        try:
            while not self._stop.is_set():
                ok, frame = self.capture.read()
                if not ok:
                    if self.is_file:
                        self._finish("ended")
                        return
                    if not (self.reconnect and self._reconnect()):
                        self._finish("lost")
                        return
                    continue
                if self.paced:
                    delay = start + index / self.fps - time.perf_counter()
                    if delay > 0:
                        self._stop.wait(delay)
                captured = time.perf_counter()
                stamp = index / self.fps if self.is_file else time.time()
                rgb = self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB)
                with self._cond:
                    self.stats.read += 1
                    if self._slot is not None:
                        self.stats.dropped += 1
                    self._slot = (index, stamp, captured, rgb)
                    self._cond.notify_all()
                index += 1
        finally:
            self.capture.release()

    def _reconnect(self) -> bool:
        """Reopen the stream until it answers or `stop` (each attempt RECONNECT_WAIT apart)."""
        while not self._stop.wait(RECONNECT_WAIT):
            self.capture.release()
            self.capture = self._cv2.VideoCapture(self.source)
            if self.capture.isOpened():
                self.stats.reconnects += 1
                return True
        return False

    def _finish(self, end: str) -> None:
        with self._cond:
            self.end = end
            self._cond.notify_all()

    def take(self, timeout: float = 0.5) -> tuple[int, float, float, np.ndarray] | None:
        """The newest unprocessed frame (index, timestamp, capture time, RGB); None when none came in time
        or the source is finished and nothing is left."""
        with self._cond:
            if self._slot is None and self.end is None:
                self._cond.wait(timeout)
            item, self._slot = self._slot, None
            return item

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()


def frame_line(index: int, timestamp: float, latency_ms: float, records: list[dict[str, Any]], hand_id: int,
               names: dict[int, str], threshold: float) -> dict[str, Any]:
    """One processed frame: its index and timestamp, and each hand ≥ threshold with side, contact,
    glove and active object (ehoi-metrics.md §2.2 decisions)."""
    hands = []
    for record in records:
        if record["category_id"] != hand_id or record["score"] < threshold:
            continue
        obj = None
        if record.get("category_id_obj", -1) >= 0:
            obj = {"category": names[record["category_id_obj"]], "bbox": record["bbox_obj"],
                   "score": round(record.get("score_obj", 0.0), 4)}
        hands.append({"bbox": record["bbox"], "score": round(record["score"], 4),
                      "side": "right" if record["hand_side"] == 1 else "left",
                      "contact": bool(record["contact_state"] == 1), "glove": bool(record["gloves"] == 1),
                      "side_score": round(record["side_score"], 4), "contact_score": round(record["contact_score"], 4),
                      "glove_score": round(record["glove_score"], 4), "active_object": obj})
    return {"timestamp": round(timestamp, 6), "frame": index, "latency_ms": round(latency_ms, 2), "hands": hands}


def run_live(
    source: str, weights: Path, *, out: Path | None = None, video_out: Path | None = None, show: bool = False,
    fps: float | None = None, reconnect: bool = False, threshold: float = 0.5, device: str | None = None,
    runtime: str | None = None, overwrite: bool = False, stdout: TextIO | None = None,
    status: Callable[[LiveStats], None] = lambda stats: None,
) -> LiveReport:
    """Run until the source ends, drops out or Ctrl-C; every output path is decided and checked first."""
    from glovego_data.drawing import draw_ehoi
    from glovego_model.association import detections_to_records
    from glovego_pipelines.media import VideoOut
    from glovego_pipelines.predict import load_predictor, predictor_hand_id

    if fps is not None and fps <= 0:
        raise GlovegoError(f"--fps must be > 0, got {fps}")
    parsed = parse_source(source)
    inputs = [weights, Path(parsed)] if isinstance(parsed, str) and "://" not in parsed else [weights]
    plan = OutputPlan("infer", inputs, overwrite=overwrite)
    if out is not None:
        plan.stream("--out", out)
    if video_out is not None:
        plan.file("--video-out", video_out)
    plan.check()
    if video_out is not None and video_out.suffix.lower() != ".avi":
        raise GlovegoError(f"--video-out {video_out}: an MJPEG file ending in .avi")
    predictor = load_predictor(weights, device, runtime)
    hand_id = predictor_hand_id(predictor, weights)
    names = dict(enumerate(predictor.category_names))
    reader = FrameReader(parsed, fps, reconnect)
    outputs = ExitStack()
    sink = outputs.enter_context(plan.open_stream("--out")) if out is not None else stdout
    writer = None
    if video_out is not None:  # renamed into place when the loop ends, Ctrl-C included
        writer = VideoOut(outputs.enter_context(plan.file_writer("--video-out")), reader.fps, fourcc="MJPG")
        outputs.callback(writer.close)
    stats, end = reader.stats, "interrupted"
    reader.start()
    try:
        while True:
            item = reader.take()
            if item is None:
                if reader.end is not None:
                    end = reader.end
                    break
                continue
            index, stamp, captured, rgb = item
            dets = predictor.predict([rgb], [index], batch_size=1)[0]
            records = detections_to_records(dets, hand_id)
            latency = (time.perf_counter() - captured) * 1000.0
            line = json.dumps(frame_line(index, stamp, latency, records, hand_id, names, threshold), allow_nan=False)
            if sink is not None:
                sink.write(line + "\n")
                sink.flush()
            stats.processed += 1
            stats.latency_ms, stats.latency_total_ms = latency, stats.latency_total_ms + latency
            if writer is not None or show:
                picture = draw_ehoi(rgb, records, names, hand_id, threshold=threshold)
                if writer is not None:
                    writer.write(picture)
                if show and _show(picture):
                    break
            status(stats)
    except KeyboardInterrupt:
        end = "interrupted"
    finally:
        reader.stop()
        outputs.close()
        if show:
            _close_windows()
    in_fps, done_fps = stats.rates()
    message = {"ended": "the source ended", "lost": f"the source {source} dropped out"
               + (" and did not come back" if reconnect else " (use --reconnect to wait for it)"),
               "interrupted": "stopped by Ctrl-C"}[end]
    summary = (f"{message}: {stats.processed} frames processed, {stats.dropped} dropped of {stats.read} read "
               f"(input {in_fps:.1f} FPS, processed {done_fps:.1f} FPS, mean latency {stats.mean_latency_ms:.0f} ms)")
    return LiveReport(stats=stats, end=end, message=summary)


def _show(picture: np.ndarray) -> bool:
    """Draw the frame in a window; True when the user pressed q or Esc."""
    from glovego_data._cv2 import cv2

    cv2.imshow("glovego live", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    return (cv2.waitKey(1) & 0xFF) in (ord("q"), 27)


def _close_windows() -> None:
    from glovego_data._cv2 import cv2

    cv2.destroyAllWindows()
