"""Alembic migrations, shipped inside the package so an installed console can upgrade itself."""
