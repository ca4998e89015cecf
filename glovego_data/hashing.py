"""The one sha256 of a file that every layer takes (split manifests, training checkpoints and data
fingerprints, the glove journal): streamed in 1 MiB chunks, so memory stays flat on any file."""

from __future__ import annotations

import hashlib
import os

CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
