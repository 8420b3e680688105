"""The hand-written conversation templates of the demo data, gathered from one module per topic pair.

In: nothing. Out: `TEMPLATES` (every `Template`, main questions and follow-ups) and the `Template` type.
"""

from __future__ import annotations

from typing import Final

from core.demo.content import contraception, fertility, period, symptoms, wellbeing
from core.demo.content.base import SLOTS, Template

TEMPLATES: Final[tuple[Template, ...]] = (
    period.TEMPLATES
    + fertility.TEMPLATES
    + symptoms.TEMPLATES
    + contraception.TEMPLATES
    + wellbeing.TEMPLATES
)

__all__ = ["SLOTS", "TEMPLATES", "Template"]
