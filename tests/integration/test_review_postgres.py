"""Review services, the conversation view and the review queues on PostgreSQL.

The unit modules run unchanged: in this folder the `session` fixture is PostgreSQL's (see conftest.py), so
`INSERT … ON CONFLICT DO NOTHING … RETURNING`, the versioned `UPDATE`, racing editors, the JSON-as-text
history search and the keyset walks are checked against the same expectations as on SQLite.
"""

from tests.unit.test_review import *  # noqa: F403
from tests.unit.test_review_conversation import *  # noqa: F403
from tests.unit.test_review_queue import *  # noqa: F403
