"""Demo data: realistic, clearly labelled conversations, models and an experiment for a fresh console.

In: see `generate_demo`. Out: rows written with source "demo" and a summary dict.
Layout: `content/` (hand-written templates per topic), `catalogue` (rendered variants), `plan` (users and
sessions over time), `conversations` (turns, models, latency, ratings), `generate` (the database side).
"""

from core.demo.generate import generate_demo

__all__ = ["generate_demo"]
