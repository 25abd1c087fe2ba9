"""Inspections: the sampling record, lab results and their corrections, the third-party re-inspection,
and what the current results say against the coal contract."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidValue
from domain.inspection import (
    Inspection,
    InspectionRuleViolation,
    LabKind,
    Party,
    ResultNotFound,
    Witness,
)
from domain.inspection_assessment import assess
from domain.specification import BasisSource, Conformity
from tests.unit.coal_contract import THERMAL_COAL, kcal
from tests.unit.inspection_story import (
    ENGINEER,
    LATER,
    MANAGER,
    QC,
    SAMPLED_AT,
    agreements,
    disputed_and_appointed,
    joint_sampling,
    opened,
    record,
)

# -- sampling --------------------------------------------------------------------------------------


def test_an_inspection_opens_with_its_sampling_record():
    inspection = opened()

    assert [type(e) for e in inspection.collect_events()] == [Inspection.SamplingRecorded]
    assert inspection.sampling.method_standard == "GB/T 475"
    assert inspection.opened_by == QC
    assert inspection.current_results() == ()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sample_ids": ()}, "sampling.sample_ids"),
        ({"seal_numbers": ("SEAL-1", "SEAL-1")}, "sampling.seal_numbers"),
        ({"method_standard": " "}, "sampling.method_standard"),
        ({"sampled_at": SAMPLED_AT.replace(tzinfo=None)}, "sampling.sampled_at"),
        ({"sampled_at": LATER + timedelta(hours=1)}, "sampling.sampled_at"),
        ({"witnesses": (Witness(Party.SUPPLIER, "Li Ming", "Shanxi Coal"),)}, "sampling.witnesses"),
        ({"witnesses": (Witness(Party.CUSTOMER, "", "Huadian"),)}, "sampling.witnesses.0.name"),
        ({"sampling_party": Party.SUPPLIER}, "sampling.sampling_party"),
        ({"is_joint": False, "other_party_consented": True}, "sampling.sampling_party"),
        ({"is_joint": False, "sampling_party": Party.CUSTOMER}, "sampling.other_party_consented"),
    ],
)
def test_a_sampling_record_that_breaks_a_rule_is_refused(overrides, field):
    with pytest.raises(InvalidValue) as refused:
        opened(joint_sampling(**overrides))

    assert refused.value.field == field


def test_one_sided_sampling_records_whether_the_other_party_consented():
    sampling = joint_sampling(
        is_joint=False, sampling_party=Party.CUSTOMER, other_party_consented=False, witnesses=()
    )

    assert opened(sampling).sampling.other_party_consented is False


# -- lab results -----------------------------------------------------------------------------------


def test_a_result_tested_before_the_sampling_is_refused():
    inspection = opened()

    with pytest.raises(InspectionRuleViolation) as refused:
        record(inspection, LabKind.CUSTOMER_LAB, "5120", tested_at=SAMPLED_AT - timedelta(minutes=1))

    assert refused.value.field == "tested_at"


def test_a_lab_kind_has_one_current_result_a_changed_figure_is_a_correction():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")

    with pytest.raises(InspectionRuleViolation, match="correct it instead"):
        record(inspection, LabKind.CUSTOMER_LAB, "5130")


def test_a_specified_parameter_must_be_in_the_specifications_unit():
    inspection = opened()

    with pytest.raises(InvalidValue) as refused:
        inspection.record_result(
            lab="Huadian lab",
            lab_kind=LabKind.CUSTOMER_LAB,
            agency=None,
            values={"Qnet,ar": kcal("21.4").__class__(Decimal("21.4"), "MJ/kg")},
            tested_at=LATER,
            report_attachment_id=None,
            specification=THERMAL_COAL,
            by=QC,
            now=LATER,
        )

    assert refused.value.field == "values.Qnet,ar"


def test_a_third_party_result_before_the_agency_is_appointed_is_refused():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    record(inspection, LabKind.SUPPLIER_QC, "5480")
    inspection.request_reinspection(THERMAL_COAL, "x", ENGINEER, LATER)

    with pytest.raises(InspectionRuleViolation, match="appointed"):
        record(inspection, LabKind.THIRD_PARTY_AGENCY, "5210", agency="CCIC")


def test_a_third_party_result_must_come_from_the_appointed_agency():
    inspection = disputed_and_appointed("CCIC")

    with pytest.raises(InspectionRuleViolation) as refused:
        record(inspection, LabKind.THIRD_PARTY_AGENCY, "5210", agency="SGS")

    assert refused.value.field == "agency"
    record(inspection, LabKind.THIRD_PARTY_AGENCY, "5210", agency="ccic")  # named alike, ignoring case


def test_only_a_third_party_result_names_an_agency():
    with pytest.raises(InvalidValue) as refused:
        record(opened(), LabKind.CUSTOMER_LAB, "5120", agency="CCIC")

    assert refused.value.field == "agency"


# -- corrections -----------------------------------------------------------------------------------


def test_a_correction_supersedes_the_result_and_keeps_what_it_does_not_change():
    inspection = opened()
    mistyped = record(inspection, LabKind.SUPPLIER_QC, "4580")

    corrected = inspection.correct_result(
        result_id=mistyped,
        values={"Qnet,ar": kcal("5480")},
        reason="digits swapped when typing the report",
        specification=THERMAL_COAL,
        by=QC,
        now=LATER,
    )

    [current] = inspection.current_results()
    assert current.id == corrected and current.corrects == mistyped
    assert (
        current.values["Qnet,ar"] == kcal("5480")
        and current.values["Mt"] == inspection.results[mistyped].values["Mt"]
    )
    assert inspection.results[mistyped].superseded_by == corrected
    assert type(inspection.collect_events()[-1]) is Inspection.LabResultCorrected


def test_a_superseded_or_unknown_result_cannot_be_corrected():
    inspection = opened()
    first = record(inspection, LabKind.SUPPLIER_QC, "4580")
    inspection.correct_result(
        result_id=first,
        values={"Qnet,ar": kcal("5480")},
        reason="typo",
        specification=THERMAL_COAL,
        by=QC,
        now=LATER,
    )

    with pytest.raises(InspectionRuleViolation, match="corrected already"):
        inspection.correct_result(
            result_id=first,
            values={"Qnet,ar": kcal("5490")},
            reason="again",
            specification=THERMAL_COAL,
            by=QC,
            now=LATER,
        )
    with pytest.raises(ResultNotFound):
        inspection.correct_result(
            result_id=uuid4(),
            values={"Qnet,ar": kcal("5490")},
            reason="x",
            specification=THERMAL_COAL,
            by=QC,
            now=LATER,
        )


@pytest.mark.parametrize(
    ("values", "reason", "field"),
    [({"Qnet,ar": kcal("5480")}, "same", "values"), ({"Qnet,ar": kcal("5490")}, " ", "reason")],
)
def test_a_correction_changes_a_value_and_says_why(values, reason, field):
    inspection = opened()
    result = record(inspection, LabKind.SUPPLIER_QC, "5480")

    with pytest.raises(InvalidValue) as refused:
        inspection.correct_result(
            result_id=result, values=values, reason=reason, specification=THERMAL_COAL, by=QC, now=LATER
        )

    assert refused.value.field == field


# -- re-inspection and the agency ------------------------------------------------------------------


def test_a_reinspection_names_the_parameters_the_labs_disagree_on():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    record(inspection, LabKind.SUPPLIER_QC, "5480")

    inspection.request_reinspection(THERMAL_COAL, "beyond GB/T 213's reproducibility", ENGINEER, LATER)

    assert inspection.disputed == ("Qnet,ar",)
    with pytest.raises(InspectionRuleViolation, match="requested already"):
        inspection.request_reinspection(THERMAL_COAL, "x", ENGINEER, LATER)


@pytest.mark.parametrize("supplier_qnet", [None, "5170"], ids=["one lab only", "labs agree"])
def test_no_reinspection_without_a_disagreement(supplier_qnet):
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    if supplier_qnet:
        record(inspection, LabKind.SUPPLIER_QC, supplier_qnet)

    with pytest.raises(InspectionRuleViolation, match="nothing for a third party"):
        inspection.request_reinspection(THERMAL_COAL, "x", MANAGER, LATER)


def test_an_agency_is_appointed_only_for_a_requested_reinspection_once_with_both_agreements():
    inspection = opened()
    with pytest.raises(InspectionRuleViolation):
        inspection.appoint_agency("CCIC", *agreements(), by=MANAGER, now=LATER)

    appointed = disputed_and_appointed()
    assert appointed.agency == "CCIC" and [a.party for a in appointed.agreements] == [
        Party.SUPPLIER,
        Party.CUSTOMER,
    ]
    with pytest.raises(InspectionRuleViolation, match="appointed already"):
        appointed.appoint_agency("SGS", *agreements(), by=MANAGER, now=LATER)


def test_each_partys_agreement_is_its_own():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    record(inspection, LabKind.SUPPLIER_QC, "5480")
    inspection.request_reinspection(THERMAL_COAL, "x", ENGINEER, LATER)
    supplier, customer = agreements()

    with pytest.raises(InvalidValue) as refused:
        inspection.appoint_agency("CCIC", supplier, supplier, by=MANAGER, now=LATER)
    assert refused.value.field == "customer_agreement"
    with pytest.raises(InvalidValue) as refused:
        late = customer.__class__(Party.CUSTOMER, "Zhou Lan", LATER + timedelta(days=1))
        inspection.appoint_agency("CCIC", supplier, late, by=MANAGER, now=LATER)
    assert refused.value.field == "customer_agreement.agreed_at"


# -- what the results say ----------------------------------------------------------------------------


def test_the_customers_result_is_off_spec_and_the_labs_disagree_so_there_is_no_basis_yet():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    record(inspection, LabKind.SUPPLIER_QC, "5480")

    assessed = assess(inspection, THERMAL_COAL)

    customer = next(r for r in assessed.results if r.result.lab_kind is LabKind.CUSTOMER_LAB)
    [off] = customer.conformity.off_spec
    assert off.name == "Qnet,ar" and off.deviation_from_limit == kcal("-380")
    assert assessed.labs_agree is False and assessed.disputed == ("Qnet,ar",)
    assert assessed.needs_reinspection
    assert assessed.basis is None and assessed.basis_pending and "third-party" in assessed.basis_pending


def test_the_third_partys_result_is_the_basis_where_the_labs_disagree():
    inspection = disputed_and_appointed()
    third = record(inspection, LabKind.THIRD_PARTY_AGENCY, "5210", agency="CCIC")

    assessed = assess(inspection, THERMAL_COAL)

    assert assessed.basis is not None
    qnet = assessed.basis.by_parameter["Qnet,ar"]
    assert qnet.value == kcal("5210") and qnet.source is BasisSource.THIRD_PARTY
    assert qnet.inspection_ids == (str(third),)
    # What the labs agreed on stays agreed: the mean of the two.
    assert assessed.basis.by_parameter["Mt"].source is BasisSource.MEAN_OF_AGREEING_LABS


def test_without_both_labs_there_is_no_agreement_and_no_basis():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5520")

    assessed = assess(inspection, THERMAL_COAL)

    assert assessed.labs_agree is None and not assessed.needs_reinspection and assessed.basis is None
    assert assessed.results[0].conformity.verdicts[0].conformity is Conformity.WITHIN_SPEC


def test_a_correction_changes_what_the_results_say():
    inspection = opened()
    record(inspection, LabKind.CUSTOMER_LAB, "5120")
    mistyped = record(inspection, LabKind.SUPPLIER_QC, "5840")
    inspection.correct_result(
        result_id=mistyped,
        values={"Qnet,ar": kcal("5150")},
        reason="typo",
        specification=THERMAL_COAL,
        by=QC,
        now=LATER,
    )

    assessed = assess(inspection, THERMAL_COAL)

    assert assessed.labs_agree is True
    assert assessed.basis is not None and assessed.basis.values["Qnet,ar"] == kcal("5135")
