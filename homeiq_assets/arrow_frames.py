"""Arrow tables shaped as pandas writes them, for tables too large to go through pandas.

A table that went `pa.Table.from_pandas(table.to_pandas())` has large strings, an integer
column with nulls as float64 (as pandas holds it), nulls where it had NaN, list items named
`item`, every field nullable, and the pandas metadata of the frame. The device-day table of a
200-home cycle is 200k rows: the frame and its copies cost hundreds of MB where the Arrow
columns cost tens, and the datasets must keep the bytes they had when they went through pandas.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc


def as_written_by_pandas(table: pa.Table) -> pa.Table:
    """`table` as a trip through pandas writes it, without the trip."""
    return conform(table, pandas_schema([table]))


def pandas_schema(tables: Iterable[pa.Table]) -> pa.Schema:
    """The schema, pandas metadata included, that a pandas trip gives the concatenation of
    `tables` (read once, in order; they share their columns)."""
    shape = PandasShape()
    for table in tables:
        shape.add(table)
    return shape.schema()


class PandasShape:
    """`pandas_schema` of tables seen one at a time (to write a large table in parts, each
    dropped once seen). A column's dtype in pandas depends only on its type and on whether it
    has a null, so the metadata is what pandas writes for a two-row sample holding each
    column's first value and, where the column has one, a null.

    Parts may differ as the records of different homes do: a column missing from a part, or
    only null there, is null in those rows, and types are promoted as
    `pa.concat_tables(..., promote_options="permissive")` promotes them (columns in order of
    first appearance)."""

    def __init__(self) -> None:
        self.types: pa.Schema | None = None
        self.has_null: dict[str, bool] = {}
        self.first: dict[str, object] = {}
        self.rows = 0

    def add(self, table: pa.Table) -> None:
        one = PandasShape()
        one.types, one.rows = table.schema, table.num_rows
        for name, column in zip(table.column_names, table.columns, strict=True):
            one.has_null[name] = _missing(column) > 0
            if self.first.get(name) is None:  # (a first value costs a copy of the column)
                one.first[name] = _first_valid(column)
        self.extend(one)

    def extend(self, other: PandasShape) -> None:
        """Take in the tables `other` saw, as if they had been added here after these."""
        if other.types is None:
            return
        if self.types is None:
            self.types, self.has_null = other.types, dict(other.has_null)
            self.first, self.rows = dict(other.first), other.rows
            return
        if not self.types.equals(other.types):
            self.types = pa.unify_schemas([self.types, other.types], promote_options="permissive")
        if other.rows:
            for name in self.has_null.keys() - other.has_null.keys():
                self.has_null[name] = True
        for name, has_null in other.has_null.items():
            missing_before = name not in self.has_null and self.rows > 0
            self.has_null[name] = self.has_null.get(name, False) or missing_before or has_null
            if self.first.get(name) is None:
                self.first[name] = other.first.get(name)
        self.rows += other.rows

    def schema(self) -> pa.Schema:
        if self.types is None:
            raise ValueError("no table seen: no schema to give")
        fields = [pa.field(f.name, _pandas_type(f.type, self.has_null[f.name])) for f in self.types]
        sample = pa.table(
            {
                f.name: pa.array(
                    [self.first[f.name], None if self.has_null[f.name] else self.first[f.name]],
                    f.type,
                )
                for f in fields
            }
        )
        metadata = pa.Table.from_pandas(sample.to_pandas(), preserve_index=False).schema.metadata
        return pa.schema(fields, metadata=metadata)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` cast to `schema` (from `pandas_schema`), NaN as null, a column it lacks as
    nulls."""
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if pa.types.is_floating(column.type):
            column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
        columns.append(column.cast(field.type) if column.type != field.type else column)
    return pa.Table.from_arrays(columns, schema=schema)


def _pandas_type(kind: pa.DataType, has_null: bool) -> pa.DataType:
    if pa.types.is_string(kind):
        return pa.large_string()
    if pa.types.is_integer(kind) and has_null:
        return pa.float64()
    if pa.types.is_list(kind):
        return pa.list_(kind.value_type)  # Parquet reads the items back as "element"
    return kind


def _missing(column: pa.ChunkedArray) -> int:
    """Nulls, and NaN, which pandas also holds as missing."""
    n = column.null_count
    if pa.types.is_floating(column.type):
        n += pc.sum(pc.cast(pc.fill_null(pc.is_nan(column), False), "int64")).as_py() or 0
    return n


def _first_valid(column: pa.ChunkedArray):
    valid = pc.drop_null(column)
    return valid[0].as_py() if len(valid) else None
