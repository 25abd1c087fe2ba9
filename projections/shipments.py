"""The shipment projection: contracts into `contract_summaries`, shipments into `shipment_summaries`.

A shipment's row carries its contract's number, customer and product, looked up in the same transaction:
a contract is always registered before a shipment names it, so its row is there (an earlier batch, or an
earlier event of this one, since events apply in order). Writes are idempotent (ON CONFLICT DO NOTHING,
arrival set once), so replaying a batch changes nothing.
"""

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection

from domain.shipment import Contract, Shipment

NAME = "shipments"


class ShipmentProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction, in order."""
        with conn.cursor() as cur:
            for _, event in events:
                write = _WRITES.get(type(event))
                if write is not None:
                    cur.execute(*write(event))

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE contract_summaries, shipment_summaries")


def _contract_registered(e: Any) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO contract_summaries (id, number, customer_id, product, grade, registered_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (e.originator_id, e.number, e.customer_id, e.product, e.grade, e.occurred_at),
    )


def _shipment_recorded(e: Any) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO shipment_summaries (id, reference, contract_id, contract_number, customer_id, product,"
        " quantity, unit, transport_mode, carrier, dispatched_at, arrived_at)"
        " SELECT %s, %s, c.id, c.number, c.customer_id, c.product, %s, %s, %s, %s, %s, %s"
        " FROM contract_summaries c WHERE c.id = %s ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.reference,
            e.quantity.value,
            e.quantity.unit,
            e.transport_mode.value,
            e.carrier,
            e.dispatched_at,
            e.arrived_at,
            e.contract_id,
        ),
    )


def _shipment_arrived(e: Any) -> tuple[str, tuple[Any, ...]]:
    return (
        "UPDATE shipment_summaries SET arrived_at = %s WHERE id = %s AND arrived_at IS NULL",
        (e.arrived_at, e.originator_id),
    )


_WRITES: dict[type, Callable[[Any], tuple[str, tuple[Any, ...]]]] = {
    Contract.Registered: _contract_registered,
    Shipment.Recorded: _shipment_recorded,
    Shipment.Arrived: _shipment_arrived,
}
