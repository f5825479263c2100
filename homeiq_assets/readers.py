"""Reading input files so that a bad one ends in one line naming it.

A truncated Parquet file, a file that is not Parquet at all, a Parquet file of some other table
(its columns are not the ones asked for) or a JSON file that does not parse raises
`CorruptInputError` with the file's path and what is wrong with it — never a pyarrow or json
traceback. The command line turns it into exit code 2 and one line; a Dagster step fails with
the same message. Reading happens before anything is written, and every write is atomic, so a
bad input leaves nothing half-written.

Plain core (no Dagster): the simulator's, collector's and trainers' reading boundaries use it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

HINT = "regenerate it (it may be truncated or written by something else)"


class CorruptInputError(ValueError):
    """An input file cannot be read as what it should be; the message names the file."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _parquet_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.parquet"))


def find_unreadable(path: Path, columns: Sequence[str] | None = None) -> CorruptInputError | None:
    """The first Parquet file under `path` whose footer cannot be read or that lacks one of
    `columns`, as an error naming it; None when every file looks sound."""
    import pyarrow.parquet as pq

    for file in _parquet_files(Path(path)):
        try:
            schema = pq.read_schema(file)
        except (pa.ArrowException, OSError) as exc:
            return CorruptInputError(
                f"{file}: not a readable Parquet file ({_first_line(exc)}); {HINT}"
            )
        missing = [c for c in columns or () if c not in schema.names]
        if missing:
            return CorruptInputError(
                f"{file}: a Parquet file of another table (no column {', '.join(missing)}); {HINT}"
            )
    return None


def explain(exc: BaseException, path: Path, columns: Sequence[str] | None = None):
    """The error to raise for `exc`, met while reading `path` (a file or a folder of files)."""
    found = find_unreadable(path, columns)
    if found is not None:
        return found
    return CorruptInputError(f"{path}: cannot be read ({_first_line(exc)}); {HINT}")


def read_table(
    path: Path, columns: Sequence[str] | None = None, filter=None, schema_columns=None
) -> pa.Table:
    """A Parquet file, or every Parquet file of a folder, as one Arrow table."""
    import pyarrow.dataset as ds

    try:
        return ds.dataset(path, format="parquet").to_table(
            columns=list(columns) if columns is not None else None, filter=filter
        )
    except (pa.ArrowException, OSError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError) and not Path(path).exists():
            raise CorruptInputError(f"{path}: missing") from None
        raise explain(exc, Path(path), schema_columns or columns) from None


def read_frame(path: Path, columns: Sequence[str] | None = None, where: str | None = None):
    """A Parquet file as a pandas DataFrame (exactly as `pandas.read_parquet` reads it); with
    `where`, only the rows whose boolean column of that name is true, in file order."""
    import pandas as pd

    try:
        return pd.read_parquet(
            path,
            columns=list(columns) if columns is not None else None,
            filters=[(where, "==", True)] if where is not None else None,
        )
    except (pa.ArrowException, OSError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError) and not Path(path).exists():
            raise CorruptInputError(f"{path}: missing") from None
        raise explain(exc, Path(path), columns) from None


def read_json(path: Path):
    """A JSON file, parsed."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise CorruptInputError(f"{path}: missing") from None
    except json.JSONDecodeError as exc:
        raise CorruptInputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {HINT}"
        ) from None
    except UnicodeDecodeError:
        raise CorruptInputError(f"{path}: not a text (JSON) file; {HINT}") from None
