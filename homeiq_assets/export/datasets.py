"""Dataset exports in the formats the trainers read, each with a manifest.

For every dataset: JSON (records, or per-home graphs for the GNN) plus Parquet, CSV or SQLite
as the consumer expects. `manifest.json` lists each file's rows, schema (column → type) and
sha256, plus the cycles and record count the export covers. Outputs are deterministic: no
wall-clock times; `created_at` of Ask-AI rows is the end of the simulated cycle window.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from homeiq_assets.arrow_frames import PandasShape
from homeiq_assets.storage import sha256_file, write_json_atomic, write_parquet_atomic

EXPORT_VERSION = "exports-1"


def _jsonable(frame: pd.DataFrame) -> list[dict]:
    """Records with numpy/pandas values turned into JSON types (lists, None for NaN)."""
    text = frame.to_json(orient="records", date_format="iso", default_handler=str)
    return json.loads(text)


def _write_records_json(frame: pd.DataFrame, path: Path) -> None:
    """A JSON list of records, streamed by pandas (no intermediate Python objects: a
    device-health export has hundreds of thousands of rows)."""
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_json(tmp, orient="records", date_format="iso", default_handler=str, indent=1)
    tmp.replace(path)


CSV_FLOAT_FORMAT = "%.6g"


def _write_csv(frame: pd.DataFrame, target, header: bool = True) -> None:
    """`frame.to_csv(target, index=False, float_format=CSV_FLOAT_FORMAT)`, the same bytes,
    with the floats formatted column by column beforehand: pandas formats a float column
    through a Python call per value (`notna`, then the format), which was most of a
    device-day export's time."""
    formatted = {
        name: _formatted_floats(column.to_numpy())
        for name, column in frame.items()
        if column.dtype.kind == "f"
    }
    frame = frame.assign(**formatted) if formatted else frame
    frame.to_csv(target, index=False, header=header)


def _formatted_floats(values: np.ndarray) -> np.ndarray:
    """Each value as `CSV_FLOAT_FORMAT % value` (an object array), missing as empty."""
    text = np.array([CSV_FLOAT_FORMAT % v for v in values.tolist()], dtype=object)
    text[np.isnan(values)] = ""
    return text


def _schema(frame: pd.DataFrame) -> dict[str, str]:
    if frame.empty and not len(frame.columns):
        return {}
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    return {f.name: str(f.type) for f in schema}


class _Manifest:
    """The files of one export folder: each written atomically and listed with its rows,
    bytes, sha256 and schema."""

    def __init__(self, dataset: str, folder: Path, cycles: list[str], records: int) -> None:
        self.folder = folder
        self.data = {
            "dataset": dataset,
            "export_version": EXPORT_VERSION,
            "cycles": cycles,
            "records": records,
            "files": {},
        }

    def add(self, name: str, rows: int, schema: dict[str, str], sha256: str | None = None) -> None:
        """List file `name` (`sha256`: its digest, when already computed as it was written)."""
        path = self.folder / name
        self.data["files"][name] = {
            "rows": int(rows),
            "bytes": path.stat().st_size,
            "sha256": sha256 or sha256_file(path),
            "schema": schema,
        }

    def records_json(self, frame: pd.DataFrame, name: str) -> None:
        _write_records_json(frame, self.folder / name)
        self.add(name, len(frame), _schema(frame))

    def parquet(self, frame: pd.DataFrame, name: str) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        write_parquet_atomic(table, self.folder / name)
        self.add(name, len(frame), {f.name: str(f.type) for f in table.schema})

    def csv(self, frame: pd.DataFrame, name: str) -> None:
        path = self.folder / name
        tmp = path.with_name(f".{path.name}.tmp")
        _write_csv(frame, tmp)
        tmp.replace(path)
        self.add(name, len(frame), _schema(frame))

    def write(self) -> dict:
        write_json_atomic(self.data, self.folder / "manifest.json")
        return self.data


def export_pattern_detection(records: pd.DataFrame, folder: Path, cycles: list[str]) -> dict:
    """The pattern export of one frame (`export_pattern_detection_files` streams the same)."""
    return _export_frame(
        "pattern_detection", records, folder, cycles, "patterns.json", parquet="patterns.parquet"
    )


def export_yaml_generation(records: pd.DataFrame, folder: Path, cycles: list[str]) -> dict:
    m = _Manifest("yaml_generation", folder, cycles, len(records))
    cols = [
        c for c in ("record_id", "cycle", "home_id", "text", "yaml", "confidence") if c in records
    ]
    pairs = records[cols].rename(columns={"text": "prompt", "yaml": "completion"})
    if "gt_matches_habit" in records:
        pairs["matches_habit"] = records["gt_matches_habit"].to_numpy()
    m.records_json(pairs, "yaml_generation.json")
    return m.write()


def export_synergy_gnn(
    records: pd.DataFrame, devices: pd.DataFrame, folder: Path, cycles: list[str]
) -> dict:
    """Per-home graphs (device nodes with area/floor, candidate edges with features + label)
    as JSON, and the edge table as Parquet."""
    m = _Manifest("synergy_gnn", folder, cycles, len(records))
    m.parquet(records, "pairs.parquet")
    graphs = []
    if not records.empty:
        dev_by_home = {h: g for h, g in devices.groupby(["cycle", "home_id"], sort=True)}
        for (cycle, home), edges in records.groupby(["cycle", "home_id"], sort=True):
            nodes = dev_by_home.get((cycle, home), devices.iloc[0:0])
            graphs.append(
                {
                    "cycle": cycle,
                    "home_id": home,
                    "nodes": _jsonable(nodes.drop(columns=["cycle"], errors="ignore")),
                    "edges": _jsonable(edges.drop(columns=["cycle", "home_id"])),
                }
            )
    write_json_atomic(graphs, folder / "graphs.json")
    m.add(
        "graphs.json",
        len(graphs),
        {"cycle": "string", "home_id": "string", "nodes": "list", "edges": "list"},
    )
    return m.write()


def export_ask_ai(
    records: pd.DataFrame, folder: Path, cycles: list[str], created_at: dict[str, str]
) -> dict:
    """JSON conversations and the soft-prompt SQLite table
    `ask_ai_queries(id, original_query, suggestions, created_at)`."""
    m = _Manifest("ask_ai", folder, cycles, len(records))
    m.records_json(records, "ask_ai.json")
    db = folder / "ask_ai_queries.db"
    tmp = db.with_name(f".{db.name}.tmp")
    tmp.unlink(missing_ok=True)
    rows = [
        (
            str(r.record_id),
            str(r.request),
            json.dumps(
                [
                    {
                        "description": _describe(r),
                        "confidence": round(float(r.answer_confidence), 4),
                        "yaml": str(r.answer_yaml),
                    }
                ]
            ),
            created_at.get(str(r.cycle), ""),
        )
        for r in records.itertuples(index=False)
    ]
    with sqlite3.connect(tmp) as con:
        con.execute(
            "CREATE TABLE ask_ai_queries (id TEXT PRIMARY KEY, original_query TEXT NOT NULL, "
            "suggestions TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
        con.executemany("INSERT INTO ask_ai_queries VALUES (?, ?, ?, ?)", rows)
    con.close()
    tmp.replace(db)
    m.add(
        db.name,
        len(rows),
        {
            "id": "TEXT",
            "original_query": "TEXT",
            "suggestions": "TEXT (JSON list)",
            "created_at": "TEXT",
        },
    )
    return m.write()


def _describe(r) -> str:
    kind = str(getattr(r, "intent_kind", "automation")).replace("_", " ")
    return f"{kind}: {r.request}"


def export_device_intelligence(records: pd.DataFrame, folder: Path, cycles: list[str]) -> dict:
    """The device-day export of one frame (`export_device_intelligence_files` streams the
    same)."""
    return _export_frame(
        "device_intelligence",
        records,
        folder,
        cycles,
        "device_health.json",
        csv="device_health.csv",
    )


def export_device_intelligence_files(
    files: list[Path], folder: Path, cycles: list[str], pieces: list | None = None
) -> dict:
    """`export_device_intelligence` of the records in `files`, streamed (or joined from
    `pieces`)."""
    return export_streamed(
        "device_intelligence",
        files,
        folder,
        cycles,
        "device_health.json",
        csv="device_health.csv",
        pieces=pieces,
    )


def export_pattern_detection_files(
    files: list[Path], folder: Path, cycles: list[str], pieces: list | None = None
) -> dict:
    """`export_pattern_detection` of the records in `files`, streamed (or joined)."""
    return export_streamed(
        "pattern_detection",
        files,
        folder,
        cycles,
        "patterns.json",
        parquet="patterns.parquet",
        pieces=pieces,
    )


def export_streamed(
    dataset: str,
    files: list[Path],
    folder: Path,
    cycles: list[str],
    json_name: str,
    csv: str | None = None,
    parquet: str | None = None,
    batch_rows: int = 50_000,
    pieces: list[StreamedPiece] | None = None,
) -> dict:
    """The export of the records in `files` (Parquet, in order) as records JSON, plus CSV or
    Parquet, streamed in batches of `batch_rows`: the same bytes as the exports of one frame,
    in memory that stays flat as homes and cycles grow (200 homes x 30 days are 200k
    device-days and 140k patterns, whose JSON alone would be a 100 MB string). Each batch is
    the frame `pd.read_parquet` gives for its rows; the manifest's schema is the one pandas
    gives all of them (a batch may hold only nulls in a column); the Parquet copy is written
    from Arrow. Files of different types (a dataset changed between cycles) would be one frame
    of the common type: they are exported as one frame.

    `pieces`: the JSON and CSV text of consecutive runs of the rows, already written (in
    worker processes: `stream_piece`), to be joined rather than streamed here."""
    import pyarrow.parquet as pq

    from homeiq_assets.arrow_frames import as_written_by_pandas

    if not streamable(files):
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return _export_frame(dataset, frame, folder, cycles, json_name, csv, parquet)
    if pieces is None:
        pieces = [stream_piece(files, None, folder, json_name, csv is not None, 0, batch_rows)]
    rows, shape, digests = _join_pieces(pieces, folder / json_name, folder / csv if csv else None)
    schema = {f.name: str(f.type) for f in shape.schema()}
    m = _Manifest(dataset, folder, cycles, rows)
    m.add(json_name, rows, schema, digests[0])
    if csv is not None:
        m.add(csv, rows, schema, digests[1])
    if parquet:
        tables = [pq.read_table(f) for f in files]
        table = as_written_by_pandas(pa.concat_tables(tables))
        del tables
        write_parquet_atomic(table, folder / parquet)
        m.add(parquet, table.num_rows, {f.name: str(f.type) for f in table.schema})
    return m.write()


def streamable(files: list[Path]) -> bool:
    """Files of one type, whose batches convert alike (see `export_streamed`)."""
    import pyarrow.parquet as pq

    return len({str(pq.ParquetFile(f).schema_arrow.remove_metadata()) for f in files}) == 1


@dataclass
class StreamedPiece:
    """A run of an export's rows as text: records JSON without the list's brackets, and CSV
    (with the header when it is the first piece), with the pandas shape of its rows."""

    json_text: Path
    csv_text: Path | None
    rows: int
    shape: PandasShape


def stream_piece(
    files: list[Path],
    row_groups: list[list[int]] | None,
    folder: Path,
    name: str,
    with_csv: bool,
    index: int,
    batch_rows: int = 50_000,
) -> StreamedPiece:
    """Write piece `index` of an export: the rows of `row_groups` of each of `files` (all of
    them when None), batch by batch, as `.<name>.<index>.json`/`.csv` texts in `folder`."""
    json_text = folder / f".{name}.{index}.json"
    csv_text = folder / f".{name}.{index}.csv" if with_csv else None
    rows, shape = 0, PandasShape()
    with json_text.open("w") as out_json, (csv_text or Path(os.devnull)).open("w") as out_csv:
        for table in _batches(files, batch_rows, row_groups):
            frame = table.to_pandas()
            if rows:
                out_json.write(",\n")
            # pandas writes "[\n" + records joined by ",\n" + "\n]": a batch without its ends
            out_json.write(_records_json_text(frame)[2:-2])
            if csv_text is not None:
                _write_csv(frame, out_csv, header=index == 0 and not rows)
            rows += len(frame)
            shape.add(table)
    return StreamedPiece(json_text, csv_text, rows, shape)


def _join_pieces(
    pieces: list[StreamedPiece], json_path: Path, csv_path: Path | None
) -> tuple[int, PandasShape, tuple[str, str]]:
    """The records JSON (and CSV) of the pieces in order, written atomically; their rows,
    pandas shape and the files' sha256 (hashed as they are written). The piece texts are
    removed."""
    json_tmp = json_path.with_name(f".{json_path.name}.tmp")
    csv_tmp = csv_path.with_name(f".{csv_path.name}.tmp") if csv_path else None
    rows, shape = 0, PandasShape()
    json_out, csv_out = _HashingWriter(json_tmp), _HashingWriter(csv_tmp)
    try:
        with json_out, csv_out:
            json_out.write(b"[\n")
            for piece in pieces:
                if not piece.rows:
                    continue
                if rows:
                    json_out.write(b",\n")
                json_out.copy_from(piece.json_text)
                if piece.csv_text is not None:
                    csv_out.copy_from(piece.csv_text)
                rows += piece.rows
                shape.extend(piece.shape)
            json_out.write(b"\n]")
        json_tmp.replace(json_path)
        if csv_tmp is not None:
            csv_tmp.replace(csv_path)
    finally:
        json_tmp.unlink(missing_ok=True)
        for piece in pieces:
            piece.json_text.unlink(missing_ok=True)
            if piece.csv_text is not None:
                piece.csv_text.unlink(missing_ok=True)
        if csv_tmp is not None:
            csv_tmp.unlink(missing_ok=True)
    return rows, shape, (json_out.hexdigest(), csv_out.hexdigest())


class _HashingWriter:
    """A binary file written block by block with its sha256 kept up to date (no file when
    `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.digest, self.out = path, hashlib.sha256(), None

    def __enter__(self) -> _HashingWriter:
        self.out = self.path.open("wb") if self.path is not None else None
        return self

    def __exit__(self, *exc) -> None:
        if self.out is not None:
            self.out.close()

    def write(self, data: bytes) -> None:
        if self.out is not None:
            self.out.write(data)
            self.digest.update(data)

    def copy_from(self, path: Path) -> None:
        with path.open("rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                self.write(block)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _export_frame(
    dataset: str,
    frame: pd.DataFrame,
    folder: Path,
    cycles: list[str],
    json_name: str,
    csv: str | None = None,
    parquet: str | None = None,
) -> dict:
    """Records JSON, plus CSV or Parquet, of one frame, with the manifest."""
    m = _Manifest(dataset, folder, cycles, len(frame))
    m.records_json(frame, json_name)
    if csv:
        m.csv(frame, csv)
    if parquet:
        m.parquet(frame, parquet)
    return m.write()


def _batches(files: list[Path], batch_rows: int, row_groups: list[list[int]] | None = None):
    """The files' rows (of `row_groups`, per file, when given) in tables of at most
    `batch_rows`, with their file's pandas metadata (so each converts to the frame
    `pd.read_parquet` gives for its rows)."""
    import pyarrow.parquet as pq

    for i, path in enumerate(files):
        source = pq.ParquetFile(path)
        metadata = source.schema_arrow.metadata
        groups = None if row_groups is None else row_groups[i]
        for batch in source.iter_batches(batch_size=batch_rows, row_groups=groups):
            yield pa.Table.from_batches([batch]).replace_schema_metadata(metadata)


def _records_json_text(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records", date_format="iso", default_handler=str, indent=1)


def export_home_type(records: pd.DataFrame, folder: Path, cycles: list[str]) -> dict:
    m = _Manifest("home_type", folder, cycles, len(records))
    m.records_json(records, "home_profiles.json")
    m.parquet(records, "home_profiles.parquet")
    return m.write()


def write_lineage(lineage: pd.DataFrame, folder: Path) -> None:
    write_parquet_atomic(
        pa.Table.from_pandas(lineage, preserve_index=False), folder / "lineage.parquet"
    )


def write_lineage_table(lineage: pa.Table, folder: Path, export: str) -> None:
    """`write_lineage(lineage.assign(export=export))` of a lineage table read with Arrow:
    the same file, without a pandas frame of every row."""
    from homeiq_assets.arrow_frames import as_written_by_pandas

    table = lineage.append_column("export", pa.repeat(pa.scalar(export), lineage.num_rows))
    table = as_written_by_pandas(table).combine_chunks()
    write_parquet_atomic(table, folder / "lineage.parquet")
