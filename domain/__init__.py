"""The business model of after-sales service: aggregates, events, value objects and pure policies.

Nothing here does I/O or reads the clock; times arrive as arguments.
"""
