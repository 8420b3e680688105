"""The closed vocabularies of the domain: topics, roles, statuses, rating sources.

In: nothing. Out: tuples of allowed values, shared by validation, queries and the UI.
"""

from typing import Final

CORE_TOPICS: Final = (
    "period",
    "ovulation",
    "pms",
    "cycle_tracking",
    "cramps_pain",
    "fertility",
    "contraception",
    "pregnancy",
    "menopause",
    "mood",
)
TOPIC_LABELS: Final = {
    "period": "Period",
    "ovulation": "Ovulation",
    "pms": "PMS",
    "cycle_tracking": "Cycle tracking",
    "cramps_pain": "Cramps & pain",
    "fertility": "Fertility",
    "contraception": "Contraception",
    "pregnancy": "Pregnancy",
    "menopause": "Perimenopause & menopause",
    "mood": "Mood",
}

INTERACTION_STATUSES: Final = ("ok", "error")
THUMBS: Final = ("up", "down")
RATING_SOURCES: Final = ("user", "reviewer")
INGEST_SOURCES: Final = ("import", "collector", "gateway", "demo")
REVIEW_STATUSES: Final = ("pending", "approved", "rejected")
CLINICAL_VERDICTS: Final = ("accurate", "inaccurate", "unsafe", "unsure")
