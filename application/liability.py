"""Liability use cases: propose who bears which share of a case's objection, approve or reject a proposal,
and read the determination with each party's part of an amount.

A case's determination is a stream of its own (`LiabilityDetermination`, its id derived from the case id),
created with `CaseLedger.create` by the first proposal and changed with `run_command` afterwards, so
If-Match (on the determination's version) and Idempotency-Key work as for cases. What a proposal rests on
is checked against the store: every basis inspection exists and is of this case, every basis attachment
is a current attachment of this case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import InspectionNotFound, LiabilityNotDetermined, VersionConflict
from application.inspections import require_objection_in_progress
from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Actor
from domain.case import Case
from domain.errors import CaseRuleViolation, InvalidValue
from domain.evidence import AttachmentNotFound
from domain.inspection import Inspection
from domain.liability import Liability, LiabilityShare, Party, RootCause
from domain.liability_determination import LiabilityDetermination, Proposal, determination_id
from domain.money import Money

STEP = "liability determination"
# The domain value's field names, as the API names them.
_API_FIELDS = {
    "percent": "shares",
    "basis_inspection_ids": "basis",
    "basis_evidence": "basis.attachment_ids",
}


@dataclass(frozen=True)
class LiabilityEntry:
    """A proposal as sent: shares in percent in the order given, the root cause, the basis, and why."""

    shares: tuple[tuple[Party, Decimal], ...]
    root_cause: RootCause
    inspection_ids: tuple[UUID, ...]
    attachment_ids: tuple[UUID, ...]
    rationale: str
    change_reason: str | None = None


@dataclass(frozen=True)
class LiabilityReport:
    """A case's determination as read, and the amount to split by the shares, if one was asked for."""

    determination: LiabilityDetermination
    total: Money | None = None

    def parts(self, proposal: Proposal) -> dict[Party, Money] | None:
        """Each party's part of the total, to the cent, adding up to it; None without a total."""
        if self.total is None:
            return None
        try:
            return proposal.liability.amounts(self.total)
        except InvalidValue as invalid:
            raise InvalidValue(str(invalid), "amount") from None


Decide = Callable[[LiabilityDetermination, datetime], dict[str, Any]]


class LiabilityDeterminations:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    # -- commands ---------------------------------------------------------------------------------

    def propose(self, caller: Caller, case_id: UUID, entry: LiabilityEntry) -> CommandResult:
        """Propose a liability; the answer names its `proposal` number. The first proposal of a case
        opens its determination."""
        actor = authorise(Command.PROPOSE_LIABILITY, caller.user_id, caller.roles)

        def propose(determination: LiabilityDetermination, now: datetime) -> dict[str, Any]:
            case = self._open_case(case_id)
            liability = _checked_basis(case, entry, self._inspection)
            number = determination.propose(liability, entry.rationale, actor, now, entry.change_reason)
            return {"proposal": number}

        if not isinstance(self.ledger.find(determination_id(case_id)), LiabilityDetermination):
            try:
                return self._first(caller, case_id, actor, propose)
            except VersionConflict:
                # Another first proposal won the race: with If-Match that is the answer, without it this
                # proposal follows that one.
                if caller.expected_version is not None:
                    raise
        return self._change(caller, case_id, propose)

    def approve(self, caller: Caller, case_id: UUID, number: int) -> CommandResult:
        actor = authorise(Command.DECIDE_LIABILITY, caller.user_id, caller.roles)

        def approve(determination: LiabilityDetermination, now: datetime) -> dict[str, Any]:
            self._open_case(case_id)
            determination.approve(number, actor, now)
            return {"proposal": number}

        return self._change(caller, case_id, approve)

    def reject(self, caller: Caller, case_id: UUID, number: int, reason: str) -> CommandResult:
        actor = authorise(Command.DECIDE_LIABILITY, caller.user_id, caller.roles)

        def reject(determination: LiabilityDetermination, now: datetime) -> dict[str, Any]:
            self._open_case(case_id)
            determination.reject(number, reason, actor, now)
            return {"proposal": number}

        return self._change(caller, case_id, reject)

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, case_id: UUID, total: Money | None = None) -> LiabilityReport:
        """The case's determination; the read is recorded under the case, also when nothing is proposed."""
        self._case(case_id)  # an unknown case is 404 before the gate: nothing was read
        self.read_access.open(reader, ReadKind.LIABILITY, [case_id])
        return LiabilityReport(self.determination(case_id), total)

    def determination(self, case_id: UUID, field: str | None = None) -> LiabilityDetermination:
        found = self.ledger.find(determination_id(case_id))
        if not isinstance(found, LiabilityDetermination):
            self._case(case_id)
            raise LiabilityNotDetermined(
                f"nothing is proposed yet for the liability of case {case_id}", field
            )
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _first(self, caller: Caller, case_id: UUID, actor: Actor, propose: Decide) -> CommandResult:
        if caller.expected_version is not None:
            raise VersionConflict(
                "the case has no liability determination yet: send the first proposal without If-Match",
                field="If-Match",
            )

        def make(now: datetime) -> LiabilityDetermination:
            determination = LiabilityDetermination.open(case_id=case_id, by=actor, now=now)
            propose(determination, now)
            return determination

        return self.ledger.create(caller, make, {"proposal": 1})

    def _change(self, caller: Caller, case_id: UUID, decide: Decide) -> CommandResult:
        return self.ledger.run_command(caller, lambda: self.determination(case_id, "proposal"), decide, STEP)

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

    def _open_case(self, case_id: UUID) -> Case:
        case = self._case(case_id)
        require_objection_in_progress(case, STEP)
        return case

    def _inspection(self, inspection_id: UUID) -> Inspection | None:
        found = self.ledger.find(inspection_id)
        return found if isinstance(found, Inspection) else None


def _checked_basis(
    case: Case, entry: LiabilityEntry, inspection: Callable[[UUID], Inspection | None]
) -> Liability:
    """The liability the entry proposes, once its shares add up and its basis is this case's."""
    try:
        liability = Liability(
            shares=tuple(LiabilityShare(party, percent) for party, percent in entry.shares),
            root_cause=entry.root_cause,
            basis_inspection_ids=tuple(str(i) for i in entry.inspection_ids),
            basis_evidence=tuple(str(a) for a in entry.attachment_ids),
        )
    except InvalidValue as invalid:
        raise InvalidValue(str(invalid), _API_FIELDS.get(invalid.field or "", invalid.field)) from None
    for n, inspection_id in enumerate(entry.inspection_ids):
        field = f"basis.inspection_ids.{n}"
        found = inspection(inspection_id)
        if found is None:
            raise InspectionNotFound(f"no inspection with id {inspection_id}", field)
        if found.case_id != case.id:
            raise InvalidValue(f"inspection {inspection_id} is of another case", field)
    for n, attachment_id in enumerate(entry.attachment_ids):
        field = f"basis.attachment_ids.{n}"
        attachment = case.attachments.get(attachment_id)
        if attachment is None:
            raise AttachmentNotFound(f"case {case.number} has no attachment {attachment_id}", field)
        if not attachment.is_current:
            raise CaseRuleViolation(
                f"attachment {attachment_id} is superseded: name the evidence relied on now", field
            )
    return liability
