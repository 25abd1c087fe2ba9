"""Read models: their schema, the projections that fill them, and the queries the API reads."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
