"""Use cases: authorise the actor, load the aggregate, run the command, save with idempotency."""
