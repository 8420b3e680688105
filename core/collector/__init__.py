"""The collector's logic: how the app reaches Bloomtune without holding any provider key.

`keys` (app keys: create, revoke, list, authenticate), `ratelimit` (per-key token buckets), `ingest`
(batches of native records and feedback, through `core.ingest.writer.IngestWriter`), `assignments`
(sticky experiment arms), `routing` (which model and upstream serves a user) and `gateway` (forward a chat
completion, measure it, log it). The HTTP layer in `api/` only parses and renders.
"""
