"""Arrow tables shaped as a pandas trip writes them: the device-day and pattern datasets keep
the bytes they had when they went through pandas, without the frames."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homeiq_assets.arrow_frames import as_written_by_pandas, conform, pandas_schema


def _read_back(table: pa.Table) -> pa.Table:
    """What a reader gets after writing `table` to Parquet (list items become "element")."""
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return pq.read_table(buf)


def _tricky() -> pa.Table:
    return _read_back(
        pa.table(
            {
                "name": pa.array(["a", None, "c"], pa.string()),
                "count": pa.array([1, None, 3], pa.int32()),  # pandas holds it as float64
                "whole": pa.array([4, 5, 6], pa.int32()),
                "value": pa.array([0.5, float("nan"), None], pa.float32()),
                "flag": pa.array([True, None, False]),
                "sure": pa.array([True, False, True]),
                "day": pa.array([dt.date(2026, 1, 1), None, dt.date(2026, 1, 3)]),
                "tags": pa.array([["x"], ["y", "z"], []], pa.list_(pa.string())),
            }
        )
    )


def test_the_shape_is_what_the_pandas_trip_writes():
    table = _tricky()
    tripped = pa.Table.from_pandas(table.to_pandas(), preserve_index=False)
    shaped = as_written_by_pandas(table)
    assert shaped.schema.equals(tripped.schema, check_metadata=True)
    assert shaped.equals(tripped)
    assert shaped.schema.field("count").type == pa.float64()
    assert shaped.schema.field("tags").type.value_field.name == "item"


def test_a_table_in_parts_takes_the_shape_of_the_whole():
    """A null only in the second part still turns the integer column to float64 in every part."""
    table = _tricky()
    parts = [table.slice(0, 1), table.slice(1, 2)]
    assert parts[0].column("count").null_count == 0
    schema = pandas_schema(parts)
    joined = pa.concat_tables([conform(p, schema) for p in parts])
    assert joined.equals(as_written_by_pandas(table))
    assert joined.schema.equals(as_written_by_pandas(table).schema, check_metadata=True)


def test_no_table_no_schema():
    with pytest.raises(ValueError, match="no table"):
        pandas_schema([])


def test_parts_that_differ_take_the_shape_pandas_gives_their_records():
    """Parts of records from different homes: a column one part lacks, or holds only nulls,
    and an integer column another part holds as float are shaped as the frame of all the
    records (`pd.DataFrame(records)`) written by pandas."""
    import pandas as pd

    records = [
        [{"id": "a", "n": 1, "lag": 0.5}, {"id": "b", "n": 2, "lag": 1.5}],
        [{"id": "c", "n": None, "lag": None, "why": None}],
        [{"id": "d", "n": 4, "lag": 2.0, "why": "other"}],
    ]
    parts = [pa.Table.from_pandas(pd.DataFrame(r), preserve_index=False) for r in records]
    assert parts[1].schema.field("why").type == pa.null()
    expected = pa.Table.from_pandas(
        pd.DataFrame([r for part in records for r in part]), preserve_index=False
    )
    schema = pandas_schema(parts)
    joined = pa.concat_tables([conform(p, schema) for p in parts])
    assert joined.schema.equals(expected.schema, check_metadata=True)
    assert joined.equals(expected)
