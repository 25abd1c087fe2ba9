"""The edge: HTTP (REST commands, GraphQL reads), the CLI, and the composition root."""
