"""Who is calling: a bearer token resolved to a user and their roles."""

import hashlib
import json
import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.middleware import bind_log_context
from application.ledger import Caller
from application.ports import IdempotentRequest
from infra.users import User

_bearer = HTTPBearer(auto_error=False, description="A token from `aftersales users add`")
_ETAG = re.compile(r'^(W/)?"?(\d{1,18})"?$')
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    if credentials is None:
        raise HTTPException(401, "an Authorization: Bearer <token> header is required")
    user = request.app.state.services.users.authenticate(credentials.credentials)
    if user is None:
        raise HTTPException(401, "the bearer token is unknown or revoked")
    bind_log_context(request.state, actor=user.id)
    return user


async def caller(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    if_match: Annotated[
        str | None, Header(description="The case version the client last saw; a stale one gets 409")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(description="Repeat a request safely: the same key and body return the first response"),
    ] = None,
) -> Caller:
    return Caller(
        user_id=user.id,
        roles=user.roles,
        expected_version=expected_version(if_match),
        idempotency=await _idempotent_request(request, user.id, idempotency_key),
    )


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = _ETAG.match(if_match.strip())
    if not match:
        raise HTTPException(
            400, "If-Match must be a case version such as 3", headers={"X-Problem-Field": "If-Match"}
        )
    return int(match.group(2))


async def _idempotent_request(request: Request, user_id: str, key: str | None) -> IdempotentRequest | None:
    if key is None:
        return None
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("latin-1")
    return idempotent_request(user_id, key, f"{request.method} {request.url.path}\n{canonical}")


def idempotent_request(user_id: str, key: str, fingerprint: str) -> IdempotentRequest:
    """The key, checked and scoped to the user; `fingerprint` is what makes a retry the same request."""
    if not _IDEMPOTENCY_KEY.match(key):
        raise HTTPException(
            400,
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
            headers={"X-Problem-Field": "Idempotency-Key"},
        )
    # Keys are scoped by user: two users choosing the same key never see each other's responses.
    return IdempotentRequest(
        key=f"{user_id}:{key}", request_hash=hashlib.sha256(fingerprint.encode()).hexdigest()
    )


CurrentCaller = Annotated[Caller, Depends(caller)]
CurrentUser = Annotated[User, Depends(current_user)]
