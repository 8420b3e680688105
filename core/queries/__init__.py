"""Read-only aggregate queries behind the dashboard pages.

In: a session (and, for page data, the acting principal). Out: small frozen dataclasses of numbers that
the database computed with COUNT / AVG / GROUP BY; no query loads rows to aggregate them in Python.
One module per page (`overview`), plus `provenance` for what every page shows (the demo-data banner).
"""
