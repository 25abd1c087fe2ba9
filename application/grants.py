"""Access grant use cases: staff of other departments ask to read a case; a manager decides."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.authorization import Command, authorise
from application.errors import AccessGrantNotFound
from application.ledger import Caller, CaseLedger, CommandResult
from domain.access import AccessGrant

# A grant command's body: given the grant and the time now, change the grant.
GrantChange = Callable[[AccessGrant, datetime], None]


@dataclass(frozen=True)
class GrantRequest:
    case_id: UUID
    purpose: str
    valid_until: datetime
    valid_from: datetime | None = None  # None: from now


def load_grant(ledger: CaseLedger, grant_id: UUID) -> AccessGrant:
    """The grant as the event store has it now (fast-forwarded), so a revocation counts at once."""
    try:
        grant: object = ledger.repository.get(grant_id)
    except AggregateNotFoundError:
        grant = None
    # The ids of cases and grants share one store: a case's id is no grant's.
    if not isinstance(grant, AccessGrant):
        raise AccessGrantNotFound(f"no access grant with id {grant_id}", field="id")
    return grant


class AccessGrants:
    """Request, approve, reject and revoke access grants; with If-Match and Idempotency-Key as for cases."""

    def __init__(self, ledger: CaseLedger) -> None:
        self.ledger = ledger

    def request(self, caller: Caller, request: GrantRequest) -> CommandResult:
        actor = authorise(Command.REQUEST_ACCESS_GRANT, caller.user_id, caller.roles)
        self.ledger.get_case(request.case_id)  # a grant for no case is a typo: 404 now, not a dead grant

        def make(now: datetime) -> AccessGrant:
            return AccessGrant.request(
                case_id=request.case_id,
                purpose=request.purpose,
                valid_from=request.valid_from or now,
                valid_until=request.valid_until,
                by=actor,
                now=now,
            )

        return self.ledger.create(caller, make)

    def approve(self, caller: Caller, grant_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.DECIDE_ACCESS_GRANT, caller.user_id, caller.roles)
        return self._change(caller, grant_id, lambda grant, now: grant.approve(reason, actor, now))

    def reject(self, caller: Caller, grant_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.DECIDE_ACCESS_GRANT, caller.user_id, caller.roles)
        return self._change(caller, grant_id, lambda grant, now: grant.reject(reason, actor, now))

    def revoke(self, caller: Caller, grant_id: UUID, reason: str) -> CommandResult:
        def revoke(grant: AccessGrant, now: datetime) -> None:
            # Whose grant it is decides whether staff may withdraw it: known only once it is loaded.
            owner = grant.requester.user_id
            actor = authorise(Command.REVOKE_ACCESS_GRANT, caller.user_id, caller.roles, owner=owner)
            grant.revoke(reason, actor, now)

        return self._change(caller, grant_id, revoke)

    def _change(self, caller: Caller, grant_id: UUID, decide: GrantChange) -> CommandResult:
        return self.ledger.run_command(
            caller, lambda: load_grant(self.ledger, grant_id), decide, "access grant"
        )
