"""Pure ASGI middleware: a request id and one canonical log line per request, and the body size limit."""

import re
import time
import uuid
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import internal_error, problem

log = structlog.get_logger("api.request")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContext:
    """Binds a request id (the client's, if well-formed) to logs and response; logs each request once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        status_sent = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status, status_sent = message["status"], True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # Handled here, inside the request context, so the 500 carries the request id too.
            log.error("request.failed", request_id=request_id, exc_info=error)
            if status_sent:
                raise
            await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                **scope["state"].get("log_context", {}),
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def bind_log_context(scope_state: Any, **values: Any) -> None:
    """Add actor and case id to this request's canonical log line (never personal data)."""
    scope_state.log_context = {**getattr(scope_state, "log_context", {}), **values}


# Evidence uploads may be as large as the upload limit, plus room for the multipart boundaries and the
# small form fields around the file; the route itself refuses a file over the limit, naming `file`.
_UPLOAD_PATH = re.compile(r"^/api/v1/cases/[^/]+/attachments$")
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class BodySizeLimit:
    """Refuses bodies over the limit with 413, whether or not the client declared Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.app = app
        self.general_max_bytes = max_bytes
        self.upload_max_bytes = max_upload_bytes + MULTIPART_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge(max_bytes)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, max_bytes)

    def _limit(self, scope: Scope) -> int:
        is_upload = scope["method"] == "POST" and _UPLOAD_PATH.match(scope["path"])
        return self.upload_max_bytes if is_upload else self.general_max_bytes

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem(
            413,
            "body-too-large",
            "Request body too large",
            f"the body exceeds the limit of {max_bytes} bytes",
            request_id=scope.get("state", {}).get("request_id"),
        )
        await response(scope, receive, send)


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI passes it through its body parsing unchanged."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the body exceeds the limit of {max_bytes} bytes")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
