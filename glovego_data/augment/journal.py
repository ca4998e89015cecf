"""Resumable per-rank journals (spec §10): one fsync'ed JSON line per finished batch.

Line 1 of `augment_journal.<rank>.jsonl` holds the sha256 of the output-affecting arguments; a
restart reads every rank's journal, skips finished batches and re-shards the rest. A line cut
short by a kill is ignored (its batch is simply done again, with the same bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from glovego_data.errors import GlovegoError
from glovego_data.paths import outside_reason

JOURNAL_GLOB = "augment_journal.*.jsonl"


def args_sha256(args: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(args, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def journal_path(out_dir: Path, rank: int) -> Path:
    return out_dir / f"augment_journal.{rank}.jsonl"


def _read_lines(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a torn last line from a killed run
    return records


def read_journals(out_dir: Path, args: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Finished batches of every rank, by batch index; error if a journal used other arguments."""
    done: dict[int, dict[str, Any]] = {}
    wanted = args_sha256(args)
    for path in sorted(out_dir.glob(JOURNAL_GLOB)):
        records = _read_lines(path)
        if not records:
            continue
        header = records[0]
        if header.get("args_sha256") != wanted:
            theirs = header.get("args", {})
            keys = sorted(k for k in set(theirs) | set(args) if theirs.get(k) != args.get(k))
            raise GlovegoError(
                f"OUT_DIR has a journal made with other arguments ({', '.join(keys) or 'unknown'}); "
                "use another OUT_DIR or --restart"
            )
        for record in records[1:]:
            if "batch" in record:
                for image in record.get("images", []):  # names are joined to OUT_DIR: a replaced journal must not escape it
                    output = image.get("output")
                    if output is not None and outside_reason(output, bare=True) is not None:
                        raise GlovegoError(f"{path}: batch {record['batch']}: output '{output}' "
                                           f"{outside_reason(output, bare=True)}; run again with --restart")
                done[int(record["batch"])] = record
    return done


class JournalWriter:
    """Appends batch records to this rank's journal, each flushed and fsync'ed before returning."""

    def __init__(self, out_dir: Path, rank: int, args: dict[str, Any]) -> None:
        self.path = journal_path(out_dir, rank)
        if self.path.exists() and not _read_lines(self.path):
            self.path.unlink()  # killed while writing its header
        fresh = not self.path.exists() or not _read_lines(self.path)
        if not fresh:
            self._truncate_torn_tail()
        self._handle = open(self.path, "ab")
        if fresh:
            self._write({"args_sha256": args_sha256(args), "args": args})

    def _truncate_torn_tail(self) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as handle:
                handle.truncate(cut)

    def _write(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def record_batch(self, batch_index: int, images: list[dict[str, Any]]) -> None:
        self._write({"batch": batch_index, "images": images})

    def close(self) -> None:
        self._handle.close()
