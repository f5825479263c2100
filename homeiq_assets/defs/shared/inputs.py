"""Bad inputs in a Dagster step: a truncated or foreign file, or malformed JSON, fails the step
with one line naming the file (a `dg.Failure`), not a traceback. The reading itself is the
plain core's (`homeiq_assets.readers`); no Dagster definitions live here."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from homeiq_assets.readers import CorruptInputError, read_json


@contextlib.contextmanager
def corrupt_input_fails() -> Iterator[None]:
    """Turn a `CorruptInputError` raised inside into a step failure with its message."""
    try:
        yield
    except CorruptInputError as exc:
        raise dg.Failure(description=f"bad input: {exc}") from None


def read_json_or_fail(path: Path):
    with corrupt_input_fails():
        return read_json(path)


def fails_on_corrupt_input(fn):
    """Decorate an asset's function (below `@dg.asset`): a bad input fails the step with one
    line naming the file. The signature is kept, so Dagster still sees config and resources."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with corrupt_input_fails():
            return fn(*args, **kwargs)

    return wrapper
