"""Alembic environment: runs migrations on the connection that `core.migrate` hands over."""

from alembic import context

from core import search
from core.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=search.include_name,
)
with context.begin_transaction():
    context.run_migrations()
