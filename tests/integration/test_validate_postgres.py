"""The validator's price look-up on PostgreSQL (the only part of validation that reads the database)."""

from tests.unit.test_validate_estimate import test_training_price_from_the_price_table  # noqa: F401
