"""The returns projection: each return of goods into `return_summaries`, in its latest state.

The row names the case, the original shipment or order, the product, the reason, the latest eligibility
decision and the status, with when it was applied for and when it ended (closed by the customer's
satisfaction, cancelled, or not eligible). The customer is the case's: the queries join `case_summaries`,
so nothing here depends on the order the read models apply their parts. Writes are idempotent (ON
CONFLICT, and updates only of a row at an older version of its stream). Free text (descriptions, reasons,
findings, comments) never reaches the table.
"""

from typing import Any

from domain.returns import QcResult, ReturnRequest, ReturnStatus
from projections.rows import RowProjection, Write, WriteOf, newer_update

NAME = "returns"


class ReturnProjection(RowProjection):
    def __init__(self) -> None:
        super().__init__(NAME, ("return_summaries",), _WRITES)


def _applied(e: Any) -> Write:
    return (
        "INSERT INTO return_summaries (id, case_id, shipment_reference, order_reference, product, reason,"
        " status, applied_at, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.case_id,
            e.shipment_reference,
            e.order_reference,
            e.product,
            e.reason.value,
            ReturnStatus.APPLIED.value,
            e.occurred_at,
            e.originator_version,
        ),
    )


_update = newer_update("return_summaries")


def _status(status: ReturnStatus) -> WriteOf:
    return _update("status = %s", lambda e: (status.value,))


def _ended(status: ReturnStatus) -> WriteOf:
    return _update("status = %s, closed_at = %s", lambda e: (status.value, e.occurred_at))


def _decision(e: Any) -> tuple[Any, ...]:
    eligible = e.decision.is_eligible
    status = ReturnStatus.ELIGIBLE if eligible else ReturnStatus.NOT_ELIGIBLE
    return e.decision.eligibility.value, status.value, None if eligible else e.occurred_at


def _qc_status(e: Any) -> tuple[Any, ...]:
    # Not confirmed: the review decides again, as the aggregate says.
    confirmed = e.result is QcResult.CONFIRMED
    return ((ReturnStatus.QC_INSPECTED if confirmed else ReturnStatus.APPLIED).value,)


_WRITES: dict[type, WriteOf] = {
    ReturnRequest.ReturnApplied: _applied,
    ReturnRequest.EligibilityDecided: _update("eligibility = %s, status = %s, closed_at = %s", _decision),
    ReturnRequest.QcInspectionRecorded: _update("status = %s", _qc_status),
    ReturnRequest.ReceiptChecked: _status(ReturnStatus.RECEIVED),
    ReturnRequest.Reinspected: _status(ReturnStatus.REINSPECTED),
    ReturnRequest.EnteredWarehouse: _status(ReturnStatus.IN_WAREHOUSE),
    ReturnRequest.Refunded: _status(ReturnStatus.REFUNDED),
    ReturnRequest.ExchangeShipped: _status(ReturnStatus.EXCHANGE_SHIPPED),
    # Not satisfied: feedback may come again, and the return stays where it was.
    ReturnRequest.FeedbackRecorded: _update(
        "status = CASE WHEN %s THEN %s ELSE status END, closed_at = CASE WHEN %s THEN %s ELSE closed_at END",
        lambda e: (e.satisfied, ReturnStatus.CLOSED.value, e.satisfied, e.occurred_at),
    ),
    ReturnRequest.ReturnCancelled: _ended(ReturnStatus.CANCELLED),
}
