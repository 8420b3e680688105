"""Convert a rank table of the npm package `tiktoken` (`encoders/<name>.json`) to tiktoken's `.tiktoken` format.

In: a local copy of the package's encoder JSON, whose `bpe_ranks` string holds lines of
`<prefix> <first-rank> <b64 token> <b64 token> …` (the tokens' ranks count up from the first rank).
Out: the `.tiktoken` file (`<b64 token> <rank>` per line, ordered by rank) and its SHA-256 on stdout, to compare
with the hash tiktoken expects. Reads and writes local files only.

Usage: python core/dataset/vocab/convert.py o200k_base.json fb374d419588a4632f3f557e76b4b70aebbca790
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def convert(rank_table: str) -> bytes:
    ranked: list[tuple[int, str]] = []
    for line in rank_table.splitlines():
        fields = line.split(" ")
        if len(fields) < 2:
            continue
        first = int(fields[1])
        ranked.extend((first + offset, token) for offset, token in enumerate(fields[2:]))
    ranked.sort()
    return "".join(f"{token} {rank}\n" for rank, token in ranked).encode()


def main(source: str, target: str) -> None:
    data = convert(json.loads(Path(source).read_text())["bpe_ranks"])
    Path(target).write_bytes(data)
    sys.stdout.write(f"{target}: sha256 {hashlib.sha256(data).hexdigest()}\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
