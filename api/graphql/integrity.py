"""GraphQL reads of the tamper evidence: the verifier key, signed checkpoints, and proofs."""

import json
from datetime import datetime
from typing import Annotated, Any

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import QueryRefused, ReadContext
from application.access import ReadKind
from application.authorization import allowance
from infra.integrity import EventProof, ProofUnavailable, StoredCheckpoint, proven_cases


@strawberry.type(description="A signed checkpoint: the Merkle root of the first treeSize events, signed.")
class SignedCheckpoint:
    tree_size: int = strawberry.field(description="How many events it covers, from the first")
    root_hash: str = strawberry.field(description="The RFC 9162 Merkle root of those events, hex")
    signed_at: datetime = strawberry.field(description="When it was signed")
    note: str = strawberry.field(
        description="The C2SP tlog-checkpoint signed as a C2SP signed note (Ed25519): what to verify"
    )

    @classmethod
    def of(cls, stored: StoredCheckpoint) -> "SignedCheckpoint":
        return cls(
            tree_size=stored.tree_size,
            root_hash=stored.root_hash.hex(),
            signed_at=stored.signed_at,
            note=stored.note,
        )


@strawberry.type(description="That one event is in a signed checkpoint (RFC 9162 inclusion proof).")
class EventInclusion:
    position: int = strawberry.field(description="The event's position in the global order")
    leaf_index: int = strawberry.field(description="Its 0-based place in the Merkle tree")
    leaf_hash: str = strawberry.field(description="SHA-256(0x00 ‖ the event's canonical bytes), hex")
    audit_path: list[str] = strawberry.field(description="The sibling hashes up to the root, hex")
    checkpoint: SignedCheckpoint = strawberry.field(description="The checkpoint it is proven to be in")

    @classmethod
    def of(cls, proof: EventProof, checkpoint: StoredCheckpoint) -> "EventInclusion":
        return cls(
            position=proof.position,
            leaf_index=proof.leaf_index,
            leaf_hash=proof.leaf_hash.hex(),
            audit_path=[h.hex() for h in proof.audit_path],
            checkpoint=SignedCheckpoint.of(checkpoint),
        )


@strawberry.type(description="A proof as the JSON document `infra/verifier.py` checks.")
class ProofDocument:
    tree_size: int = strawberry.field(description="The (later) checkpoint's tree size")
    document: str = strawberry.field(
        description="JSON: save it to a file and run `python verifier.py FILE --key '<verifierKey>'`"
    )


Position = Annotated[int, strawberry.argument(description="The event's position (notification id)")]
TreeSize = Annotated[
    int | None, strawberry.argument(description="A signed checkpoint's tree size; default the latest")
]


@strawberry.type(description="Reads of the tamper evidence.")
class IntegrityQueries:
    @strawberry.field(description="The key that signs checkpoints, as a C2SP signed-note verifier key")
    def verifier_key(self, info: Info[ReadContext, None]) -> str:
        key: str = info.context.services.integrity.verifier_key
        return key

    @strawberry.field(description="The latest signed checkpoint; null before the first")
    async def latest_checkpoint(self, info: Info[ReadContext, None]) -> SignedCheckpoint | None:
        found = await run_in_threadpool(info.context.services.integrity.latest_checkpoint)
        return SignedCheckpoint.of(found) if found else None

    @strawberry.field(
        description="Proof that the event at a position is in a signed checkpoint; it holds the event's "
        "stored bytes, so only auditors, compliance, managers and admins may ask"
    )
    async def inclusion_proof(
        self, info: Info[ReadContext, None], position: Position, tree_size: TreeSize = None
    ) -> ProofDocument:
        if allowance(ReadKind.PROOFS, info.context.user.roles) is None:
            await info.context.open_read(ReadKind.PROOFS)  # records the refusal, and raises it
        document = await _proof(info.context.services.integrity.inclusion_proof, position, tree_size)
        await info.context.open_read(ReadKind.PROOFS, proven_cases(document))
        return ProofDocument(tree_size=document["tree_size"], document=json.dumps(document))

    @strawberry.field(description="Proof that a later signed checkpoint extends an earlier one")
    async def consistency_proof(
        self,
        info: Info[ReadContext, None],
        old_size: Annotated[int, strawberry.argument(description="The earlier checkpoint's tree size")],
        new_size: TreeSize = None,
    ) -> ProofDocument:
        await info.context.open_read(ReadKind.PROOFS)
        document = await _proof(info.context.services.integrity.consistency_proof, old_size, new_size)
        return ProofDocument(tree_size=document["new_size"], document=json.dumps(document))


async def _proof(make: Any, *args: Any) -> dict[str, Any]:
    try:
        document: dict[str, Any] = await run_in_threadpool(make, *args)
    except ProofUnavailable as unavailable:
        raise QueryRefused(str(unavailable)) from None
    return document
