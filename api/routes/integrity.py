"""REST reads of the tamper evidence: the keys, signed checkpoints, inclusion and consistency proofs.

Proof documents are the JSON that `infra/verifier.py` (a single file an arbitrator can run with
`python verifier.py proof.json --key '<verifier key>'`) checks without trusting this server.
"""

import base64
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentUser
from api.problems import Problem
from application.access import Reader, ReadKind
from application.authorization import allowance
from infra.integrity import IntegrityLog, ProofUnavailable, StoredCheckpoint, proven_cases
from infra.users import User

router = APIRouter(prefix="/api/v1/integrity", tags=["integrity"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "Only auditors, compliance officers, managers and admins"},
    404: {"model": Problem, "description": "No such checkpoint or event, or not checkpointed yet"},
    422: {"model": Problem, "description": "A query parameter is invalid"},
}
Size = Annotated[int, Query(ge=1, description="A signed checkpoint's tree size")]


class PublicKey(BaseModel):
    origin: str = Field(description="The log's name: the first line of every checkpoint")
    verifier_key: str = Field(
        description="The key that signs new checkpoints, in the C2SP signed-note verifier key form "
        "`<name>+<key id>+<base64>`, as `infra/verifier.py --key` and standard transparency-log tools take "
        "it. Earlier checkpoints may be signed by earlier keys: see `/keys`"
    )
    algorithm: str = Field(description="Always Ed25519")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64")


class HistoricKey(BaseModel):
    verifier_key: str = Field(description="The key in the C2SP signed-note verifier key form")
    fingerprint: str = Field(description="SHA-256 of the raw 32-byte Ed25519 public key, hex")
    first_tree_size: int = Field(
        description="The key signs checkpoints of this tree size and larger, up to the next key's"
    )
    valid_from: str = Field(description="When the key was introduced (UTC)")
    introduced_by: str | None = Field(
        description="The rotation statement (a C2SP signed note signed by the previous key and by this "
        "one) that introduced the key; null for the first key"
    )


class KeyHistory(BaseModel):
    origin: str = Field(description="The log's name: every key's name")
    keys: list[HistoricKey] = Field(
        description="Every checkpoint signing key in order of validity; trust flows from the first through "
        "the rotation statements (the `keys/keys.json` of an evidence bundle)"
    )


class SignedCheckpoint(BaseModel):
    tree_size: int = Field(description="How many events the checkpoint covers, from the first")
    root_hash: str = Field(description="The RFC 9162 Merkle root of those events, hex")
    signed_at: str = Field(description="When the checkpoint was signed (UTC)")
    note: str = Field(description="The C2SP tlog-checkpoint, signed as a C2SP signed note: what to verify")


class InclusionProof(BaseModel):
    type: str = Field(description="`inclusion`")
    checkpoint: str = Field(description="The signed checkpoint the event is proven to be in")
    leaf_index: int = Field(description="The event's 0-based place in the tree")
    tree_size: int = Field(description="The checkpoint's tree size")
    event: dict[str, Any] = Field(
        description="The stored event: position, stream_id, version, topic, and state (base64 of the "
        "stored bytes); its canonical bytes hash to leaf_hash"
    )
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ canonical event bytes), hex")
    audit_path: list[str] = Field(description="RFC 9162 inclusion proof, hex hashes")


class ConsistencyProof(BaseModel):
    type: str = Field(description="`consistency`")
    old_checkpoint: str = Field(description="The earlier signed checkpoint")
    new_checkpoint: str = Field(description="The later signed checkpoint")
    old_size: int = Field(description="The earlier tree size")
    new_size: int = Field(description="The later tree size")
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex hashes")


def _integrity(request: Request) -> IntegrityLog:
    integrity: IntegrityLog = request.app.state.services.integrity
    return integrity


async def _open_proof(request: Request, user: User, case_ids: list[UUID]) -> None:
    """Proofs carry raw events: the matrix decides (ReadKind.PROOFS) and the access log records it."""
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    await run_in_threadpool(request.app.state.services.read_access.open, reader, ReadKind.PROOFS, case_ids)


@router.get(
    "/public-key",
    response_model=PublicKey,
    summary="The Ed25519 key that signs checkpoints (no token needed)",
)
def public_key(request: Request) -> PublicKey:
    integrity = _integrity(request)
    return PublicKey(
        origin=integrity.origin,
        verifier_key=integrity.verifier_key,
        algorithm="Ed25519",
        public_key=base64.b64encode(integrity.key.public_key_bytes()).decode("ascii"),
    )


@router.get(
    "/keys",
    response_model=KeyHistory,
    summary="Every key that signed checkpoints, and from which tree size (no token needed)",
)
def key_history(request: Request) -> dict[str, Any]:
    return _integrity(request).key_history_document()


@router.get(
    "/checkpoints/latest",
    response_model=SignedCheckpoint,
    responses=_ERRORS,
    summary="The latest signed checkpoint",
)
async def latest_checkpoint(request: Request, user: CurrentUser) -> SignedCheckpoint:
    found = await run_in_threadpool(_integrity(request).latest_checkpoint)
    if found is None:
        raise HTTPException(404, "no checkpoint has been signed yet")
    return _checkpoint(found)


@router.get(
    "/checkpoints",
    response_model=list[SignedCheckpoint],
    responses=_ERRORS,
    summary="Signed checkpoints, smallest tree first",
)
async def checkpoints(
    request: Request,
    user: CurrentUser,
    after_size: Annotated[int, Query(ge=0, description="Only checkpoints larger than this")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many")] = 100,
) -> list[SignedCheckpoint]:
    found = await run_in_threadpool(_integrity(request).checkpoints_after, after_size, limit)
    return [_checkpoint(c) for c in found]


@router.get(
    "/proofs/inclusion",
    response_model=InclusionProof,
    responses=_ERRORS,
    summary="Proof that an event is in a signed checkpoint",
)
async def inclusion_proof(
    request: Request,
    user: CurrentUser,
    position: Annotated[int, Query(ge=1, description="The event's position (notification id)")],
    tree_size: Annotated[int | None, Query(ge=1, description="The checkpoint; default the latest")] = None,
) -> dict[str, Any]:
    if allowance(ReadKind.PROOFS, user.roles) is None:
        await _open_proof(request, user, [])  # records the refusal, and raises it
    document = await _proof(_integrity(request).inclusion_proof, position, tree_size)
    await _open_proof(request, user, proven_cases(document))
    return document


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyProof,
    responses=_ERRORS,
    summary="Proof that a later signed checkpoint extends an earlier one",
)
async def consistency_proof(
    request: Request,
    user: CurrentUser,
    old_size: Size,
    new_size: Annotated[
        int | None, Query(ge=1, description="The later checkpoint; default the latest")
    ] = None,
) -> dict[str, Any]:
    if new_size is not None and old_size > new_size:
        raise HTTPException(
            422, "old_size must not be larger than new_size", headers={"X-Problem-Field": "query.old_size"}
        )
    await _open_proof(request, user, [])
    return await _proof(_integrity(request).consistency_proof, old_size, new_size)


async def _proof(make: Any, *args: Any) -> dict[str, Any]:
    try:
        document: dict[str, Any] = await run_in_threadpool(make, *args)
    except ProofUnavailable as unavailable:
        raise HTTPException(404, str(unavailable), headers={"X-Problem-Field": unavailable.field}) from None
    return document


def _checkpoint(found: StoredCheckpoint) -> SignedCheckpoint:
    return SignedCheckpoint(**found.as_dict())
