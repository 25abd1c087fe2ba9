"""When a unit that keeps failing is replaced rather than repaired again (a published promise).

Pure policy: no I/O, no clock. "A replacement unit when a unit fails twice for the same fault within
warranty" is the default `RepeatFailurePolicy`; a supplier configures how many failures count, whether
they must be of the same fault, and whether only failures in warranty count.

A failure is a repair of the unit (one equipment-fault case), fixed or not: the repair that is still
open is the failure that triggers the proposal, before it is repaired once more. Fault codes are
compared ignoring case and surrounding spaces, as typed codes are.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from domain.equipment import InstalledUnit
from domain.errors import InvalidValue


@dataclass(frozen=True)
class RepeatFailurePolicy:
    failures: int = 2
    same_fault: bool = True
    within_warranty: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.failures, bool) or not isinstance(self.failures, int) or self.failures < 1:
            raise InvalidValue("a replacement follows a whole number of failures, at least one", "failures")


class UnitRepair(NamedTuple):
    """One repair of the unit as the policy reads it; `fixed_at` is None while it is not fixed."""

    fault_code: str
    fixed_at: datetime | None
    in_warranty: bool


@dataclass(frozen=True)
class ReplacementProposal:
    """The policy's answer; true when it proposes a replacement unit, with the reason either way."""

    proposed: bool
    reason: str
    fault_code: str | None = None  # the repeated fault, when the policy counts one fault

    def __bool__(self) -> bool:
        return self.proposed


def proposes_replacement(
    policy: RepeatFailurePolicy,
    unit: InstalledUnit,
    repairs_of_unit: Sequence[tuple[str, datetime | None, bool]],
) -> ReplacementProposal:
    """Whether `unit`'s repairs (fault code, when fixed or None, decided in warranty) call for a new unit."""
    repairs = [UnitRepair(*repair) for repair in repairs_of_unit]
    counted = [repair for repair in repairs if repair.in_warranty or not policy.within_warranty]
    scope = " within warranty" if policy.within_warranty else ""
    serial = unit.serial_number
    if not policy.same_fault:
        proposed = len(counted) >= policy.failures
        return ReplacementProposal(
            proposed,
            f"unit {serial} failed {len(counted)} time(s){scope}; the policy replaces at {policy.failures}",
        )
    by_fault = Counter(_fault(repair.fault_code) for repair in counted)
    if not by_fault:
        return ReplacementProposal(False, f"unit {serial} has no failure{scope}")
    fault, times = by_fault.most_common(1)[0]
    return ReplacementProposal(
        times >= policy.failures,
        f"unit {serial} failed {times} time(s) with fault {fault}{scope}; "
        f"the policy replaces at {policy.failures} of the same fault",
        fault_code=fault,
    )


def _fault(code: str) -> str:
    return code.strip().upper()
