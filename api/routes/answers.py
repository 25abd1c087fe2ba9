"""How a command's answer goes back to the client."""

from typing import Any

from fastapi import Response

from application.ledger import CommandResult


def versioned(response: Response, result: CommandResult) -> dict[str, Any]:
    """The answer's body, with the stream's new version as the ETag a next If-Match sends back."""
    response.headers["ETag"] = f'"{result.version}"'
    return result.as_response()
