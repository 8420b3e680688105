"""Ingest: every way an interaction enters Bloomtune (file import, collector, gateway, demo) ends in
`core.ingest.writer.IngestWriter`, so pseudonymisation, tagging and idempotency are the same everywhere."""
