"""The read gate: who may read which case file, and the record of every read, allowed or refused.

Every read through the API passes `ReadAccess.open` first. It decides by the permission matrix
(and, for staff of other departments, by their access grant), then appends one `AccessRecord` to
the event store, so reads are in the same tamper-evident history as the changes they look at.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from application.authorization import Allowance, allowance, needed_roles
from application.errors import NotAllowed
from application.grants import load_grant
from application.group_commit import GroupCommit
from application.ledger import CaseLedger
from application.ports import Clock, GrantCandidates
from domain.access import AccessGrant, AccessRecord, ReadKind, Refusal
from domain.actor import Actor, Role

__all__ = ["ReadAccess", "ReadKind", "Reader"]


@dataclass(frozen=True)
class Reader:
    user_id: str
    roles: frozenset[Role]
    request_id: str | None = None


@dataclass(frozen=True)
class _Verdict:
    """What the gate decided about one read; `refusal` None means allowed."""

    role: Role
    reach: Allowance | None = None
    grant: AccessGrant | None = None
    refusal: Refusal | None = None
    message: str = ""


class ReadAccess:
    def __init__(self, ledger: CaseLedger, candidates: GrantCandidates, clock: Clock | None = None) -> None:
        self.ledger = ledger
        self.candidates = candidates
        self.clock = clock or ledger.clock
        # Reads that arrive together share one append (application/group_commit.py).
        self.records = GroupCommit(ledger.save)

    def open(self, reader: Reader, what: ReadKind, case_ids: list[UUID]) -> Allowance:
        """Allow the read or raise NotAllowed; either way record it. Returns how far the reader may see."""
        now = self.clock.now()
        verdict = self._judge(reader, what, case_ids, now)
        # One new aggregate per read: no two reads ever contend for a stream, so batching them is safe.
        self.records.append(_record(verdict, reader, what, case_ids, now))
        if verdict.refusal is not None:
            raise NotAllowed(verdict.message)
        assert verdict.reach is not None
        return verdict.reach

    def _judge(self, reader: Reader, what: ReadKind, case_ids: list[UUID], now: datetime) -> _Verdict:
        found = allowance(what, reader.roles)
        if found is None:
            message = f"reading {what.value} needs one of the roles: {needed_roles(what)}"
            return _Verdict(_any_role(reader.roles), refusal=Refusal.ROLE_NOT_ALLOWED, message=message)
        role, reach = found
        if reach is not Allowance.GRANT:
            return _Verdict(role, reach)
        if len(case_ids) != 1:
            message = f"under an access grant, {what.value} reads one case at a time"
            return _Verdict(role, refusal=Refusal.ONE_CASE_AT_A_TIME, message=message)
        return self._under_grant(reader.user_id, role, case_ids[0], now)

    def _under_grant(self, user_id: str, role: Role, case_id: UUID, now: datetime) -> _Verdict:
        first_failure: tuple[AccessGrant, Refusal] | None = None
        for grant_id in self.candidates(user_id, case_id, now):
            grant = load_grant(self.ledger, grant_id)
            refusal = grant.refusal(user_id, case_id, now)
            if refusal is None:
                return _Verdict(role, Allowance.GRANT, grant)
            first_failure = first_failure or (grant, refusal)
        if first_failure is None:
            message = f"you have no access grant for case {case_id}; request one from a manager"
            return _Verdict(role, refusal=Refusal.NO_GRANT, message=message)
        grant, refusal = first_failure
        return _Verdict(role, grant=grant, refusal=refusal, message=_why(grant, refusal))


def _record(
    verdict: _Verdict, reader: Reader, what: ReadKind, case_ids: list[UUID], now: datetime
) -> AccessRecord:
    return AccessRecord.of_read(
        reader=Actor(reader.user_id, verdict.role),
        what=what,
        case_ids=case_ids,
        grant_id=verdict.grant.id if verdict.grant else None,
        request_id=reader.request_id,
        at=now,
        refusal=verdict.refusal,
    )


def _any_role(roles: frozenset[Role]) -> Role:
    # A refusal is recorded under one of the reader's roles; a user without any is treated as staff,
    # the role with the least reach.
    return min(roles, key=lambda r: r.value) if roles else Role.STAFF


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else "an unknown time"


def _why(grant: AccessGrant, refusal: Refusal) -> str:
    grant_of = f"your access grant {grant.id} for case {grant.case_id}"
    reasons = {
        Refusal.NOT_APPROVED: f"{grant_of} awaits a manager's approval",
        Refusal.REJECTED: f"{grant_of} was rejected",
        Refusal.REVOKED: f"{grant_of} was revoked at {_utc(grant.revoked_at)}",
        Refusal.NOT_YET_VALID: f"{grant_of} is valid only from {_utc(grant.valid_from)}",
        Refusal.EXPIRED: f"{grant_of} expired at {_utc(grant.valid_until)}",
    }
    return reasons.get(refusal, f"{grant_of} does not cover this read")
