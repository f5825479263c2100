"""Atomic file and directory writes: a crash never leaves a half-written table behind."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet_atomic(table: pa.Table, path: Path, statistics: bool | list[str] = True) -> None:
    """Write to a temporary sibling and rename into place (atomic on POSIX).

    `statistics` may name the columns readers filter on: min/max of large dictionary string
    columns cost a third of the write time and serve no query.
    """
    _atomic(
        path,
        lambda tmp: pq.write_table(
            table,
            tmp,
            compression=_compression(table.schema),
            write_statistics=statistics,
            **_encodings(table.schema),
        ),
    )


@contextmanager
def parquet_writer_atomic(path: Path, schema: pa.Schema):
    """A Parquet writer (the options of `write_parquet_atomic`) on a temporary sibling of
    `path`, renamed into place when the block ends without an error: a table written in parts,
    each part a row group."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with pq.ParquetWriter(
            tmp,
            schema,
            compression=_compression(schema),
            write_statistics=True,
            **_encodings(schema),
        ) as writer:
            yield writer
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Run `write` on a temporary sibling of `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _compression(schema: pa.Schema) -> str | dict[str, str]:
    """Snappy, except for fixed-size binary columns (random ids such as Home Assistant context
    ULIDs do not compress: trying costs time and saves nothing)."""
    raw = [f.name for f in schema if pa.types.is_fixed_size_binary(f.type)]
    if not raw:
        return "snappy"
    return {f.name: ("none" if f.name in raw else "snappy") for f in schema}


def _encodings(schema: pa.Schema) -> dict:
    """Dictionary-encode only string-like columns (trying it on a million distinct timestamps
    wastes half the write) and delta-encode timestamps, which are nearly sorted."""
    strings = [
        f.name for f in schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
    ]
    stamps = {f.name: "DELTA_BINARY_PACKED" for f in schema if pa.types.is_timestamp(f.type)}
    return {"use_dictionary": strings, "column_encoding": stamps}


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json_atomic(data: Any, path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    _atomic(path, lambda tmp: tmp.write_text(text))


def staging_dir(final: Path) -> Path:
    """A fresh directory next to `final` in which a whole output is assembled.

    Staging folders left by a killed earlier run for the same target are removed first (one
    writer per target: Dagster runs are limited to one per cycle partition).
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".{final.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = final.with_name(f".{final.name}.staging-{uuid.uuid4().hex[:12]}")
    staging.mkdir()
    return staging


def publish_dir(staging: Path, final: Path) -> None:
    """Swap a completed staging directory into place; the old content is removed after."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:12]}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def publish_children(staging: Path, final: Path, owned: frozenset[str] = frozenset()) -> None:
    """Move each table directory of `staging` into `final`, replacing that table only.

    Used for user-chosen output folders, which may hold other files that must survive. Names in
    `owned` that this output did not produce are removed, so a folder never mixes tables of two
    different runs (e.g. weather left from a run before `--no-weather`).
    """
    final.mkdir(parents=True, exist_ok=True)
    produced = {child.name for child in staging.iterdir()}
    for child in sorted(staging.iterdir()):
        publish_dir(child, final / child.name)
    for name in sorted(owned - produced):
        stale = final / name
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    staging.rmdir()


def discard_dir(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
