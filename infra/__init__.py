"""Adapters to the outside world: settings, PostgreSQL (embedded or external), stores, logging."""
