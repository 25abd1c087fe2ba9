"""Liability determination: who bears which share, the root cause, and the basis it rests on.

Pure policy: no I/O, no events. Decisions:

- Shares are percentages as `Decimal` (never floats), each above zero, one per party, and they add up to
  exactly 100: 33.33 / 33.33 / 33.34 is a valid three-way split, 33.33 x 3 is not. A party without a
  share bears nothing.
- A liability names its basis: at least one inspection id (usually `BasisResult.inspection_ids`) or one
  piece of evidence (e.g. a site visit report when the goods conformed and the customer's practice did not).
- Splitting a total: in whole cents, by the largest remainder method, so that the parties' amounts add
  up to the total exactly. Each party first gets its exact share rounded down to the cent; the cents left
  over go one by one to the largest remainders; equal remainders go to the party listed first, so the
  manager's order of the shares decides, never chance. A negative total (a credit to the customer) is
  split by its size and keeps its sign. A total with fractions of a cent is refused: what the parties
  pay must be payable.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from domain.errors import InvalidValue
from domain.money import Money

HUNDRED = Decimal(100)


class Party(Enum):
    SUPPLIER = "supplier"
    CARRIER = "carrier"
    CUSTOMER = "customer"
    THIRD_PARTY = "third_party"
    FORCE_MAJEURE = "force_majeure"


class RootCause(Enum):
    MINING_PRODUCTION = "mining_production"
    WASHING_PROCESSING = "washing_processing"
    TRANSPORT_STORAGE = "transport_storage"
    SAMPLING_TESTING = "sampling_testing"
    CUSTOMER_USAGE = "customer_usage"


@dataclass(frozen=True)
class LiabilityShare:
    """One party's share of the liability, in percent."""

    party: Party
    percent: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.percent, Decimal):
            raise InvalidValue("percent must be a Decimal, never a float", field="percent")
        if not self.percent.is_finite():
            raise InvalidValue("percent must be a finite number", field="percent")


@dataclass(frozen=True)
class Liability:
    """Who bears what share, why (the root cause), and on which inspections and evidence."""

    shares: tuple[LiabilityShare, ...]
    root_cause: RootCause
    basis_inspection_ids: tuple[str, ...]
    basis_evidence: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_shares(self.shares)
        _check_basis(self.basis_inspection_ids, self.basis_evidence)

    def share_of(self, party: Party) -> Decimal:
        return next((share.percent for share in self.shares if share.party is party), Decimal(0))

    def amount_for(self, party: Party, total: Money) -> Money:
        """`party`'s part of `total`; the parts of all parties add up to `total` to the cent."""
        return self.amounts(total).get(party, Money(Decimal("0.00"), total.currency))

    def amounts(self, total: Money) -> dict[Party, Money]:
        """`total` split by the shares, largest remainder first, in the order the shares are listed."""
        cents = _whole_cents(total)
        exact = [abs(cents) * share.percent / HUNDRED for share in self.shares]
        split = [int(part) for part in exact]  # rounded down: the remainders are what is left to give
        by_remainder = sorted(range(len(exact)), key=lambda index: exact[index] - split[index], reverse=True)
        for index in by_remainder[: abs(cents) - sum(split)]:
            split[index] += 1
        sign = -1 if cents < 0 else 1
        return {
            share.party: Money(Decimal(sign * part).scaleb(-2), total.currency)
            for share, part in zip(self.shares, split, strict=True)
        }


def _check_shares(shares: tuple[LiabilityShare, ...]) -> None:
    if not shares:
        raise InvalidValue("a liability names at least one party", field="shares")
    if any(share.percent <= 0 for share in shares):
        raise InvalidValue("each share must be above zero", field="shares")
    parties = [share.party for share in shares]
    for party in parties:
        if parties.count(party) > 1:
            raise InvalidValue(f"{party.value} is named twice", field="shares")
    total = sum((share.percent for share in shares), start=Decimal(0))
    if total != HUNDRED:
        raise InvalidValue(f"shares must add up to 100 %, not {total}", field="shares")


def _check_basis(inspection_ids: tuple[str, ...], evidence: tuple[str, ...]) -> None:
    if not inspection_ids and not evidence:
        raise InvalidValue(
            "a liability must name its basis: an inspection or evidence", field="basis_inspection_ids"
        )
    for ids, field in ((inspection_ids, "basis_inspection_ids"), (evidence, "basis_evidence")):
        if any(not id_.strip() for id_ in ids):
            raise InvalidValue("the basis has an empty id", field=field)


def _whole_cents(total: Money) -> int:
    cents = total.amount * 100
    if cents != cents.to_integral_value():
        raise InvalidValue("a total is split in whole cents, without fractions of a cent", field="total")
    return int(cents)
