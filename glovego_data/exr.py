"""OpenEXR depth files as Unity Perception writes them (solo.md §1.7, §4.5): read, and write for tests.

OpenCV decodes EXR only when `OPENCV_IO_ENABLE_OPENEXR` was honoured; when it was not (another
package imported `cv2` first, or the flag is off) `read_depth` uses our own reader. That reader
handles single-part scanline files with NONE / ZIPS / ZIP compression and HALF / FLOAT / UINT
channels: exactly what Unity writes. ZIP in OpenEXR is zlib over bytes that were split into even
and odd halves and delta-encoded; both steps are undone with numpy.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from glovego_data.atomic import atomic_write_bytes
from glovego_data.errors import GlovegoError

_MAGIC = 20000630
_COMPRESSIONS = ("NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB")
_LINES_PER_CHUNK = {"NONE": 1, "ZIPS": 1, "ZIP": 16}
_PIXEL_DTYPES = {0: np.dtype("<u4"), 1: np.dtype("<f2"), 2: np.dtype("<f4")}
_TILED, _DEEP, _MULTIPART = 0x200, 0x800, 0x1000


class _Corrupt(Exception):
    """Internal: the file's bytes do not form a readable EXR; the message is the reason."""


class _Unsupported(Exception):
    """Internal: a valid EXR whose compression our reader does not implement."""


@dataclass(frozen=True)
class _Channel:
    name: str
    dtype: np.dtype


@dataclass(frozen=True)
class _Header:
    channels: tuple[_Channel, ...]
    compression: str
    x_min: int
    y_min: int
    width: int
    height: int
    end: int  # offset of the first byte after the header


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\0", pos)
    if end < 0:
        raise _Corrupt("truncated header")
    return data[pos:end].decode("latin-1"), end + 1


def _parse_channels(value: bytes) -> tuple[_Channel, ...]:
    channels = []
    pos = 0
    while pos < len(value) and value[pos] != 0:
        name, pos = _cstring(value, pos)
        if pos + 16 > len(value):
            raise _Corrupt("truncated channel list")
        pixel_type, _linear, x_sampling, y_sampling = struct.unpack_from("<iB3xii", value, pos)
        pos += 16
        if pixel_type not in _PIXEL_DTYPES:
            raise _Corrupt(f"channel '{name}' has unknown pixel type {pixel_type}")
        if (x_sampling, y_sampling) != (1, 1):
            raise _Corrupt(f"channel '{name}' is subsampled ({x_sampling}×{y_sampling})")
        channels.append(_Channel(name, _PIXEL_DTYPES[pixel_type]))
    if not channels:
        raise _Corrupt("no channels")
    return tuple(channels)


def _parse_header(data: bytes) -> _Header:
    if len(data) < 8:
        raise _Corrupt("file too short")
    magic, version = struct.unpack_from("<ii", data, 0)
    if magic != _MAGIC:
        raise _Corrupt("not an OpenEXR file (bad magic number)")
    if version & 0xFF != 2:
        raise _Corrupt(f"unsupported OpenEXR version {version & 0xFF}")
    if version & (_TILED | _DEEP | _MULTIPART):
        kind = "tiled" if version & _TILED else "deep" if version & _DEEP else "multi-part"
        raise _Corrupt(f"{kind} files are not supported, only scanline")
    attributes: dict[str, tuple[str, bytes]] = {}
    pos = 8
    while True:
        if pos >= len(data):
            raise _Corrupt("truncated header")
        if data[pos] == 0:
            pos += 1
            break
        name, pos = _cstring(data, pos)
        kind, pos = _cstring(data, pos)
        if pos + 4 > len(data):
            raise _Corrupt("truncated header")
        (size,) = struct.unpack_from("<i", data, pos)
        pos += 4
        if size < 0 or pos + size > len(data):
            raise _Corrupt(f"truncated header (attribute '{name}')")
        attributes[name] = (kind, data[pos : pos + size])
        pos += size
    for required in ("channels", "compression", "dataWindow"):
        if required not in attributes:
            raise _Corrupt(f"header lacks '{required}'")
    code = attributes["compression"][1][0]
    if code >= len(_COMPRESSIONS):
        raise _Corrupt(f"unknown compression code {code}")
    x_min, y_min, x_max, y_max = struct.unpack("<iiii", attributes["dataWindow"][1][:16])
    if x_max < x_min or y_max < y_min:
        raise _Corrupt("empty data window")
    return _Header(
        channels=_parse_channels(attributes["channels"][1]),
        compression=_COMPRESSIONS[code],
        x_min=x_min,
        y_min=y_min,
        width=x_max - x_min + 1,
        height=y_max - y_min + 1,
        end=pos,
    )


def _unzip(packed: bytes, raw_size: int) -> np.ndarray:
    """Undo OpenEXR's ZIP: zlib, then the byte delta predictor, then the even/odd byte split."""
    try:
        flat = zlib.decompress(packed)
    except zlib.error as exc:
        raise _Corrupt(f"bad zlib data: {exc}") from None
    if len(flat) != raw_size:
        raise _Corrupt(f"chunk inflates to {len(flat)} bytes, expected {raw_size}")
    deltas = np.frombuffer(flat, dtype=np.uint8).copy()
    deltas[1:] -= 128
    predicted = np.cumsum(deltas, dtype=np.uint8)
    out = np.empty(raw_size, dtype=np.uint8)
    half = (raw_size + 1) // 2
    out[0::2] = predicted[:half]
    out[1::2] = predicted[half:]
    return out


def _zip(raw: bytes, level: int) -> bytes:
    data = np.frombuffer(raw, dtype=np.uint8)
    split = np.concatenate((data[0::2], data[1::2]))
    deltas = split.copy()
    deltas[1:] = split[1:] - split[:-1] + 128
    return zlib.compress(deltas.tobytes(), level)


def _decode(data: bytes) -> dict[str, np.ndarray]:
    header = _parse_header(data)
    if header.compression not in _LINES_PER_CHUNK:
        raise _Unsupported(header.compression)
    lines = _LINES_PER_CHUNK[header.compression]
    n_chunks = -(-header.height // lines)
    table_end = header.end + 8 * n_chunks
    if table_end > len(data):
        raise _Corrupt("truncated offset table")
    offsets = np.frombuffer(data, dtype="<u8", count=n_chunks, offset=header.end)
    row_bytes = [header.width * c.dtype.itemsize for c in header.channels]
    line_size = sum(row_bytes)
    planes = {c.name: np.empty((header.height, header.width), dtype=c.dtype) for c in header.channels}
    seen = np.zeros(header.height, dtype=bool)
    for offset in offsets.tolist():
        if offset < table_end or offset + 8 > len(data):
            raise _Corrupt("truncated file (chunk offset beyond the end)")
        y, size = struct.unpack_from("<ii", data, offset)
        first = y - header.y_min
        if not 0 <= first < header.height or size < 0 or offset + 8 + size > len(data):
            raise _Corrupt("truncated or inconsistent scanline chunk")
        count = min(lines, header.height - first)
        raw_size = count * line_size
        packed = data[offset + 8 : offset + 8 + size]
        if size < raw_size and header.compression != "NONE":
            block = _unzip(packed, raw_size)
        elif size == raw_size:
            block = np.frombuffer(packed, dtype=np.uint8)
        else:
            raise _Corrupt(f"chunk at row {y} has {size} bytes, expected {raw_size}")
        block = block.reshape(count, line_size)
        start = 0
        for channel, nbytes in zip(header.channels, row_bytes):
            planes[channel.name][first : first + count] = block[:, start : start + nbytes].view(channel.dtype)
            start += nbytes
        seen[first : first + count] = True
    if not seen.all():
        raise _Corrupt("scanlines missing")
    return {name: plane.astype(np.float32, copy=False) for name, plane in planes.items()}


def read_exr(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Every channel of a scanline EXR as float32 H×W arrays (row 0 = top), without OpenCV."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise GlovegoError(f"{path}: cannot decode EXR ({exc.strerror})") from None
    try:
        return _decode(data)
    except _Unsupported as exc:
        raise GlovegoError(f"{path}: cannot decode EXR (unsupported compression {exc.args[0]})") from None
    except (_Corrupt, struct.error, ValueError) as exc:
        raise GlovegoError(f"{path}: cannot decode EXR ({exc})") from None


def _exr_header(channels: dict[str, np.ndarray], compression: str, width: int, height: int) -> bytes:
    def attribute(name: str, kind: str, value: bytes) -> bytes:
        return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value

    chlist = b"".join(
        name.encode() + b"\0" + struct.pack("<iB3xii", 1 if arr.dtype == np.float16 else 2, 0, 1, 1)
        for name, arr in channels.items()
    ) + b"\0"
    window = struct.pack("<iiii", 0, 0, width - 1, height - 1)
    return b"".join(
        (
            struct.pack("<ii", _MAGIC, 2),
            attribute("channels", "chlist", chlist),
            attribute("compression", "compression", bytes([_COMPRESSIONS.index(compression)])),
            attribute("dataWindow", "box2i", window),
            attribute("displayWindow", "box2i", window),
            attribute("lineOrder", "lineOrder", b"\0"),
            attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
            attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0.0, 0.0)),
            attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
            b"\0",
        )
    )


def encode_exr(channels: dict[str, np.ndarray], compression: str = "ZIP", zip_level: int = 6) -> bytes:
    """The bytes of a scanline EXR: float16 arrays become HALF channels, anything else FLOAT.

    `zip_level` is the zlib level (OpenEXR's default is 6); readers do not care which was used.
    """
    if compression not in _LINES_PER_CHUNK:
        raise ValueError(f"compression must be one of {sorted(_LINES_PER_CHUNK)}, got {compression!r}")
    if not channels:
        raise ValueError("an EXR needs at least one channel")
    ordered = {
        name: np.ascontiguousarray(arr, dtype=np.float16 if arr.dtype == np.float16 else "<f4")
        for name, arr in sorted(channels.items())
    }
    shapes = {arr.shape for arr in ordered.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"channels must be 2-D arrays of one shape, got {sorted(shapes)}")
    height, width = next(iter(shapes))
    header = _exr_header(ordered, compression, width, height)
    lines = _LINES_PER_CHUNK[compression]
    rows = np.concatenate([arr.view(np.uint8).reshape(height, -1) for arr in ordered.values()], axis=1)
    chunks = []
    for y in range(0, height, lines):
        raw = rows[y : y + lines].tobytes()
        packed = raw if compression == "NONE" else _zip(raw, zip_level)
        if len(packed) >= len(raw):
            packed = raw
        chunks.append(struct.pack("<ii", y, len(packed)) + packed)
    offset = len(header) + 8 * len(chunks)
    table = []
    for chunk in chunks:
        table.append(offset)
        offset += len(chunk)
    return header + np.array(table, dtype="<u8").tobytes() + b"".join(chunks)


def write_exr(
    path: str | os.PathLike[str], channels: dict[str, np.ndarray], compression: str = "ZIP", zip_level: int = 6
) -> None:
    """Write a scanline EXR atomically (row 0 = top; channels stored alphabetically, as EXR requires)."""
    atomic_write_bytes(path, encode_exr(channels, compression, zip_level))


def unity_depth_channels(depth_m: np.ndarray) -> dict[str, np.ndarray]:
    """Unity's depth EXR channels: R = metres, G = B = 0, A = 1."""
    depth = np.asarray(depth_m, dtype=np.float32)
    zeros = np.zeros_like(depth)
    return {"A": np.ones_like(depth), "B": zeros, "G": zeros, "R": depth}


def write_depth_exr(path: str | os.PathLike[str], depth_m: np.ndarray, zip_level: int = 6) -> None:
    """A depth map in Unity Perception's layout (ZIP, float32 A, B, G, R)."""
    write_exr(path, unity_depth_channels(depth_m), "ZIP", zip_level)


@lru_cache(maxsize=1)
def opencv_reads_exr() -> bool:
    """Whether this process's OpenCV decodes EXR (probed once on a tiny in-memory file)."""
    from glovego_data._cv2 import cv2

    probe = np.frombuffer(encode_exr(unity_depth_channels(np.full((2, 3), 1.5, np.float32))), dtype=np.uint8)
    try:
        decoded = cv2.imdecode(probe, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return False
    return decoded is not None and decoded.shape[:2] == (2, 3) and float(decoded[..., 2].max()) == 1.5


def read_depth(path: str | os.PathLike[str]) -> np.ndarray:
    """Depth in metres (channel R) as H×W float32; 0 = no geometry."""
    if opencv_reads_exr():
        from glovego_data._cv2 import cv2

        try:
            image = cv2.imread(os.fspath(path), cv2.IMREAD_UNCHANGED)
        except cv2.error:
            image = None
        if image is not None and image.dtype == np.float32:
            if image.ndim == 2:
                return image
            if image.shape[2] >= 3:
                return np.ascontiguousarray(image[..., 2])
    channels = read_exr(path)
    for name in ("R", "Y"):
        if name in channels:
            return channels[name]
    raise GlovegoError(f"{path}: cannot decode EXR (no R channel; channels {sorted(channels)})")
