"""Line coverage per package of `homeiq_assets`, from the `.coverage` data `make test` collects.

Prints one row per package (statements, missed, percent), each core package's total including
its sub-packages, and exits 1 when a package that the original documents hold to 90 % (data
generation and collection: `sim`, `collect`, `export`) falls below it.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "homeiq_assets"
REQUIRED = {"sim": 90.0, "collect": 90.0, "export": 90.0}


def main() -> int:
    cov = coverage.Coverage(data_file=str(ROOT / ".coverage"))
    cov.load()
    data = cov.get_data()
    per_package: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for measured in sorted(data.measured_files()):
        path = Path(measured)
        if PACKAGE not in path.parents:
            continue
        _, statements, _, missing, _ = cov.analysis2(measured)
        rel = path.relative_to(PACKAGE)
        package = "/".join(rel.parts[:-1]) or "(top level)"
        for bucket in (
            per_package[package],
            totals[rel.parts[0] if len(rel.parts) > 1 else "(top level)"],
        ):
            bucket[0] += len(statements)
            bucket[1] += len(missing)
    print(f"\n{'package':<28}{'lines':>8}{'missed':>8}{'cover':>8}")
    for name, (stmts, miss) in sorted(per_package.items()):
        print(f"{name:<28}{stmts:>8}{miss:>8}{_pct(stmts, miss):>7.1f}%")
    print(f"\n{'package with sub-packages':<28}{'lines':>8}{'missed':>8}{'cover':>8}")
    failing = []
    for name, (stmts, miss) in sorted(totals.items()):
        pct = _pct(stmts, miss)
        need = REQUIRED.get(name)
        mark = "" if need is None else (f"  (>= {need:.0f} % required)")
        print(f"{name:<28}{stmts:>8}{miss:>8}{pct:>7.1f}%{mark}")
        if need is not None and pct < need:
            failing.append(f"{name} {pct:.1f} % < {need:.0f} %")
    if failing:
        print("coverage below the required level: " + ", ".join(failing), file=sys.stderr)
        return 1
    return 0


def _pct(statements: int, missed: int) -> float:
    return 100.0 * (statements - missed) / statements if statements else 100.0


if __name__ == "__main__":
    sys.exit(main())
