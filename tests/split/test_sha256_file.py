"""One streamed sha256 of a file for every layer (data, model, pipelines)."""

from __future__ import annotations

import hashlib
import os

from glovego_data import hashing
from glovego_data.split import hashing as split_hashing
from glovego_model.engine import trainer
from glovego_pipelines import augment_gloves, train


def test_sha256_file_streams_past_one_chunk(tmp_path):
    data = os.urandom(hashing.CHUNK * 2 + 17)
    (tmp_path / "blob").write_bytes(data)
    assert hashing.sha256_file(tmp_path / "blob") == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert hashing.sha256_file(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_data_model_and_pipelines_take_the_same_function():
    for module in (split_hashing, trainer, train, augment_gloves):
        assert module.sha256_file is hashing.sha256_file, module.__name__
