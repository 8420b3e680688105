"""`python -m bench`: run every benchmark and print one table.

In: `BENCH_SIZES` (comma-separated import sizes, default `100000,1000000`), `BENCH_PAGES_SIZE` (interactions
for the page benchmark, default 1,000,000; 0 skips it), `BENCH_DATABASES` (default `sqlite,postgresql`),
`BENCH_COLLECTOR` (`0` skips the collector ingest and gateway-overhead benchmark), `BENCH_VALIDATE_SIZE`
(examples for the validation benchmark, default 100,000; 0 skips it), `BENCH_DATASET_SIZE` (examples for the
dataset build + validate + export benchmark, default 100,000; 0 skips it).
Out: a Markdown table on stdout; scratch files live in a temporary folder removed afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.collector import measure_collector
from bench.dataset import measure_dataset
from bench.import_rate import measure_import
from bench.pages import measure_pages
from bench.validate import measure_validation

COLUMNS = ("benchmark", "database", "seconds", "rate")


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",") if s]
    pages_size = int(os.environ.get("BENCH_PAGES_SIZE", "1000000"))
    kinds = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    collector = os.environ.get("BENCH_COLLECTOR", "1") != "0"
    validate_size = int(os.environ.get("BENCH_VALIDATE_SIZE", "100000"))
    dataset_size = int(os.environ.get("BENCH_DATASET_SIZE", "100000"))
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bloomtune-bench-") as scratch:
        folder = Path(scratch)
        if validate_size:
            for row in measure_validation(validate_size, folder):
                rows.append(row)
                _progress(row)
        for kind in kinds:
            for size in sizes:
                rows.append(measure_import(kind, size, folder))
                _progress(rows[-1])
            if dataset_size:
                for row in measure_dataset(kind, dataset_size, folder):
                    rows.append(row)
                    _progress(row)
            if collector:
                for row in measure_collector(kind, folder):
                    rows.append(row)
                    _progress(row)
            if pages_size:
                for row in measure_pages(kind, pages_size, folder):
                    rows.append(row)
                    _progress(row)
    print(_table(rows))


def _progress(row: dict[str, object]) -> None:
    sys.stderr.write(" | ".join(str(row[c]) for c in COLUMNS) + "\n")


def _table(rows: list[dict[str, object]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
