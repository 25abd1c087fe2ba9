"""What an inspection's current results say against the contract: conformity, agreement, the basis.

A pure view, derived afresh from the inspection and the contract's specification on every read, so a
correction or a later result changes it at once and nothing derived is ever stored as a fact.
"""

from dataclasses import dataclass

from domain.errors import CaseRuleViolation
from domain.inspection import Inspection, LabKind, RecordedResult
from domain.specification import (
    BasisResult,
    ConformityReport,
    ParameterAgreement,
    QualitySpecification,
    basis_result,
    compare_with_spec,
    labs_agree,
)


@dataclass(frozen=True)
class ResultAssessment:
    """One current result against the specification."""

    result: RecordedResult
    conformity: ConformityReport


@dataclass(frozen=True)
class InspectionAssessment:
    results: tuple[ResultAssessment, ...]
    # Supplier's QC against the customer's lab, parameter by parameter; empty until both have reported.
    agreement: tuple[ParameterAgreement, ...]
    disputed: tuple[str, ...]
    basis: BasisResult | None
    basis_pending: str | None  # why there is no basis yet; None when there is one

    @property
    def both_labs_reported(self) -> bool:
        return bool(self.agreement)

    @property
    def labs_agree(self) -> bool | None:
        """None until both labs have reported."""
        return not self.disputed if self.both_labs_reported else None

    @property
    def needs_reinspection(self) -> bool:
        """The two labs disagree beyond the reproducibility: a third party must settle it."""
        return bool(self.disputed)


def assess(inspection: Inspection, spec: QualitySpecification) -> InspectionAssessment:
    results = tuple(
        ResultAssessment(result, compare_with_spec(result.values, spec))
        for result in inspection.current_results()
    )
    supplier, customer = _labs(inspection)
    if supplier is None or customer is None:
        pending = "the basis needs the results of both the supplier's QC and the customer's lab"
        return InspectionAssessment(results, (), (), None, pending)
    a, b = supplier.as_lab_result(), customer.as_lab_result()
    third = inspection.current_result(LabKind.THIRD_PARTY_AGENCY)
    agreement = labs_agree(a, b, spec)
    disagreed = tuple(item.name for item in agreement if not item.agrees)
    try:
        basis = basis_result(a, b, spec, third.as_lab_result() if third is not None else None)
    except CaseRuleViolation as missing:
        return InspectionAssessment(results, agreement, disagreed, None, str(missing))
    return InspectionAssessment(results, agreement, disagreed, basis, None)


def _labs(inspection: Inspection) -> tuple[RecordedResult | None, RecordedResult | None]:
    return inspection.current_result(LabKind.SUPPLIER_QC), inspection.current_result(LabKind.CUSTOMER_LAB)
