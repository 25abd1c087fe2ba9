"""The objection projection: inspections into `inspection_summaries` and `inspection_labs`, and each case's
objection activity (inspections, liability determination, settlement) into `objection_summaries`.

A case's row is made by the first of its inspection, determination or settlement, with the case's number,
customer, product and opening time copied from `case_summaries`, and the shipment's reference from
`shipment_summaries`: both are written before this part applies a batch (the read models apply their
parts in turn, and a case and a shipment precede any inspection of them). Writes are idempotent
(ON CONFLICT, and updates only of a row at an older version of the same stream), so replaying a batch
changes nothing. Names of people and free text never reach these tables.
"""

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection

from domain.inspection import Inspection, LabKind
from domain.liability_determination import LiabilityDetermination, ProposalStatus
from domain.settlement import Settlement, SettlementStatus

NAME = "objections"

Write = tuple[str, tuple[Any, ...]]


class ObjectionProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction, in order."""
        with conn.cursor() as cur:
            for _, event in events:
                for write in _WRITES.get(type(event), ()):
                    cur.execute(*write(event))

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE inspection_summaries, inspection_labs, objection_summaries")


# -- the case's row ------------------------------------------------------------------------------

# The row of a case, from its case summary; `{set}` says what a later opening stream adds to it.
_OPEN_OBJECTION = (
    "INSERT INTO objection_summaries (case_id, case_number, customer_id, product, opened_at, {columns})"
    " SELECT c.id, c.number, c.customer_id, c.product, c.opened_at, {values}"
    " FROM case_summaries c WHERE c.id = %s"
    " ON CONFLICT (case_id) DO UPDATE SET {set}"
)


def _inspection_objection(e: Any) -> Write:
    statement = _OPEN_OBJECTION.format(
        columns="shipment_id, shipment_reference",
        values="%s, (SELECT s.reference FROM shipment_summaries s WHERE s.id = %s)",
        # The first inspection names the objection's shipment.
        set="shipment_id = COALESCE(objection_summaries.shipment_id, EXCLUDED.shipment_id),"
        " shipment_reference = COALESCE(objection_summaries.shipment_reference, EXCLUDED.shipment_reference)",
    )
    return statement, (e.shipment_id, e.shipment_id, e.case_id)


def _determination_opened(e: Any) -> Write:
    statement = _OPEN_OBJECTION.format(
        columns="liability_id, liability_version",
        values="%s, %s",
        set="liability_id = EXCLUDED.liability_id,"
        " liability_version = COALESCE(objection_summaries.liability_version, EXCLUDED.liability_version)",
    )
    return statement, (e.originator_id, e.originator_version, e.case_id)


def _settlement_opened(e: Any) -> Write:
    statement = _OPEN_OBJECTION.format(
        columns="settlement_id, settlement_version",
        values="%s, %s",
        set="settlement_id = EXCLUDED.settlement_id,"
        " settlement_version = COALESCE(objection_summaries.settlement_version, EXCLUDED.settlement_version)",
    )
    return statement, (e.originator_id, e.originator_version, e.case_id)


_STREAM_UPDATE = (
    "UPDATE objection_summaries SET {assignments}, {stream}_version = %s"
    " WHERE {stream}_id = %s AND {stream}_version < %s"
)


def _stream_update(
    stream: str, assignments: str, values: Callable[[Any], tuple[Any, ...]]
) -> Callable[[Any], Write]:
    """An UPDATE of a case's row by an event of its `stream` (liability or settlement) that only a newer
    event of that stream applies; `assignments` take `values`."""
    statement = _STREAM_UPDATE.format(stream=stream, assignments=assignments)

    def write(e: Any) -> Write:
        return statement, (*values(e), e.originator_version, e.originator_id, e.originator_version)

    return write


_APPROVED = ProposalStatus.APPROVED.value

_liability_proposed = _stream_update(
    "liability",
    # A change of an approved determination leaves it in force until the change is approved.
    "proposed_root_cause = %s,"
    f" liability_status = CASE WHEN liability_status = '{_APPROVED}' THEN liability_status ELSE %s END",
    lambda e: (e.liability.root_cause.value, ProposalStatus.PENDING.value),
)
_liability_approved = _stream_update(
    "liability", "root_cause = proposed_root_cause, liability_status = %s", lambda e: (_APPROVED,)
)
_liability_rejected = _stream_update(
    "liability",
    f"liability_status = CASE WHEN liability_status = '{_APPROVED}' THEN liability_status ELSE %s END",
    lambda e: (ProposalStatus.REJECTED.value,),
)


def _settlement_status(status: SettlementStatus) -> Callable[[Any], Write]:
    return _stream_update("settlement", "settlement_status = %s", lambda e: (status.value,))


def _proposed_status(e: Any) -> str:
    status = SettlementStatus.AWAITING_APPROVAL if e.needs_approval else SettlementStatus.OFFERED
    return status.value


_settlement_proposed = _stream_update(
    "settlement", "settlement_status = %s", lambda e: (_proposed_status(e),)
)


# -- inspections -----------------------------------------------------------------------------------


def _sampling_recorded(e: Any) -> Write:
    return (
        "INSERT INTO inspection_summaries (id, case_id, shipment_id, shipment_reference, sampled_at,"
        " is_joint, status, opened_at, version)"
        " VALUES (%s, %s, %s, (SELECT s.reference FROM shipment_summaries s WHERE s.id = %s), %s, %s,"
        " 'sampled', %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.case_id,
            e.shipment_id,
            e.shipment_id,
            e.sampling.sampled_at,
            e.sampling.is_joint,
            e.occurred_at,
            e.originator_version,
        ),
    )


_INSPECTION_UPDATE = (
    "UPDATE inspection_summaries SET {assignments}, version = %s WHERE id = %s AND version < %s"
)


def _inspection_update(assignments: str, values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], Write]:
    statement = _INSPECTION_UPDATE.format(assignments=assignments)

    def write(e: Any) -> Write:
        return statement, (*values(e), e.originator_version, e.originator_id, e.originator_version)

    return write


_tested = _inspection_update(
    # A result of the supplier's or the customer's lab recorded late does not undo a request.
    "status = CASE WHEN status = 'sampled' THEN 'tested' ELSE status END",
    lambda e: (),
)
_reinspected = _inspection_update("status = 'reinspected'", lambda e: ())


def _result_recorded(e: Any) -> Write:
    return (_reinspected if e.lab_kind is LabKind.THIRD_PARTY_AGENCY else _tested)(e)


def _result_lab(e: Any) -> Write:
    return (
        "INSERT INTO inspection_labs (result_id, inspection_id, lab, lab_kind) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (result_id) DO NOTHING",
        (e.result_id, e.originator_id, e.lab, e.lab_kind.value),
    )


_WRITES: dict[type, tuple[Callable[[Any], Write], ...]] = {
    Inspection.SamplingRecorded: (_sampling_recorded, _inspection_objection),
    Inspection.LabResultRecorded: (_result_recorded, _result_lab),
    Inspection.ReinspectionRequested: (
        _inspection_update("status = %s", lambda e: ("reinspection_requested",)),
    ),
    Inspection.AgencyAppointed: (
        _inspection_update("status = %s, agency = %s", lambda e: ("agency_appointed", e.agency)),
    ),
    LiabilityDetermination.Opened: (_determination_opened,),
    LiabilityDetermination.LiabilityProposed: (_liability_proposed,),
    LiabilityDetermination.LiabilityApproved: (_liability_approved,),
    LiabilityDetermination.LiabilityRejected: (_liability_rejected,),
    Settlement.Opened: (_settlement_opened,),
    Settlement.SettlementProposed: (_settlement_proposed,),
    Settlement.SettlementApproved: (_settlement_status(SettlementStatus.OFFERED),),
    Settlement.AgreementSigned: (_settlement_status(SettlementStatus.SIGNED),),
    Settlement.SettlementRejected: (_settlement_status(SettlementStatus.REJECTED),),
    Settlement.EscalatedToArbitration: (_stream_update("settlement", "legal_hold = %s", lambda e: (True,)),),
    Settlement.SettlementExecuted: (_settlement_status(SettlementStatus.EXECUTED),),
}
