"""Dataset builds, listing, lineage, exports and the readiness gate on a real PostgreSQL.

The unit tests run unchanged (in this folder `session` and `settings` are PostgreSQL's), so the exported
files must be byte-for-byte the same golden files as on SQLite.
"""

from tests.unit.test_dataset_build import *  # noqa: F403
from tests.unit.test_dataset_export import *  # noqa: F403
from tests.unit.test_dataset_readiness import (  # noqa: F401
    test_enough_examples,
    test_every_topic_covered,
    test_no_unsafe_answer_included,
    test_no_unscrubbed_pii,
    test_validation_fails_without_examples,
    test_validation_passes,
    test_validation_sample_is_capped,
)
