"""Every read model as one projection: all of them apply a batch in one transaction, at one position.

One tracking position means the case read models and the access read models never disagree about
how far they have got, and `rebuild` rebuilds all of them from event 1.
"""

from collections.abc import Sequence
from typing import Any

from psycopg import Connection

from projections.access import AccessProjection
from projections.capa import CorrectiveActionProjection
from projections.cases import CaseProjection
from projections.equipment import EquipmentProjection
from projections.evidence import EvidenceProjection
from projections.followups import FollowUpProjection
from projections.objections import ObjectionProjection
from projections.returns import ReturnProjection
from projections.service_clocks import ServiceClockProjection
from projections.shipments import ShipmentProjection
from projections.supervision import ComplaintReviewProjection

NAME = "read_models"


class ReadModels:
    """Applies each part in turn; each part ignores the events it does not know."""

    name = NAME

    def __init__(self, *parts: Any) -> None:
        self.parts = parts or (
            CaseProjection(),
            AccessProjection(),
            EvidenceProjection(),
            ShipmentProjection(),
            CorrectiveActionProjection(),
            # After cases and shipments: it copies from their rows.
            ObjectionProjection(),
            FollowUpProjection(),
            ComplaintReviewProjection(),
            EquipmentProjection(),
            ReturnProjection(),
            ServiceClockProjection(),
        )

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        for part in self.parts:
            part.apply(conn, events)

    def clear(self, conn: Connection[Any]) -> None:
        for part in self.parts:
            part.clear(conn)
