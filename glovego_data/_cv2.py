"""The one place GlovEgo imports OpenCV: sets OPENCV_IO_ENABLE_OPENEXR first, so EXR depth is readable.

OpenCV honours the flag only if it is set before `cv2` is first imported (solo.md §1.7); every module
of ours does `from glovego_data._cv2 import cv2` instead of `import cv2`. Whether EXR decoding really
works (something may have imported `cv2` earlier) is probed by `glovego_data.exr`, which falls back to
its own reader.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENCV_IO_ENABLE_OPENEXR", "1")

import cv2  # noqa: E402  (must follow the environment flag)

__all__ = ["cv2"]
