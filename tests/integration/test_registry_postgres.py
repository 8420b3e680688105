"""The model registry, side-by-side votes and the job monitor's queries on PostgreSQL.

The unit tests' scenarios run unchanged: in this folder the `session` fixture is a PostgreSQL session.
"""

from tests.unit.test_finetune_monitor import *  # noqa: F403
from tests.unit.test_registry import *  # noqa: F403
from tests.unit.test_side_by_side import *  # noqa: F403
