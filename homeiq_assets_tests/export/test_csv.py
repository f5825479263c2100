"""CSV exports: floats formatted column by column write what pandas writes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from homeiq_assets.export.datasets import CSV_FLOAT_FORMAT, _write_csv


def test_csv_is_what_pandas_writes_with_the_float_format():
    frame = pd.DataFrame(
        {
            "device_id": ["d1", "d2, with comma", None, 'say "hi"'],
            "pct": np.array([99.5, np.nan, 1e-7, -0.0], np.float32),
            "ms": [123456789.123, 0.1 + 0.2, np.nan, -2.5e12],
            "n": np.array([1, 2, 3, 4], np.int32),
            "ok": [True, False, True, False],
            "day": pd.to_datetime(["2026-01-01", "2026-01-02", None, "2026-01-04"]).date,
        }
    )
    ours, theirs = io.StringIO(), io.StringIO()
    _write_csv(frame, ours)
    frame.to_csv(theirs, index=False, float_format=CSV_FLOAT_FORMAT)
    assert ours.getvalue() == theirs.getvalue()
    assert "1e-07" in ours.getvalue() and '"d2, with comma"' in ours.getvalue()
    body = io.StringIO()
    _write_csv(frame.iloc[2:], body, header=False)
    assert body.getvalue() == frame.iloc[2:].to_csv(
        index=False, header=False, float_format=CSV_FLOAT_FORMAT
    )
