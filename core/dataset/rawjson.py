"""JSON columns read fast: skip SQLAlchemy's stdlib-`json` result processing and decode with orjson.

In: a JSON column (for a select) and then the value the database returned. Out: `raw_json(column)` — the column
selected as text, labelled with its name; `decoded(value)` — the Python value. SQLite hands over the stored text
(decoded here, several times faster than the stdlib); PostgreSQL's driver already decodes JSONB itself.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Text, type_coerce


def raw_json(column: Any) -> Any:
    return type_coerce(column, Text).label(column.key)


def decoded(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value
