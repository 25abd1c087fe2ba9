"""The read of an inspection as the API answers it: every result, each current one against the contract's
specification, the two labs' agreement, the re-inspection and the basis.

`inspection_view` lays it out once, with typed values (Decimal, datetime, UUID); REST answers it as JSON
(`inspection_public`: decimals as strings with every digit, times in ISO 8601) and GraphQL builds its
types from the same view, so both read the same comparison, agreement and basis.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from application.inspections import InspectionReport
from domain.inspection import LabKind, Party, RecordedResult
from domain.measurement import Measurement
from domain.specification import BasisSource, Conformity, ConformityReport, Limit


class Measured(BaseModel):
    value: str = Field(description="A decimal, as a string with every digit")
    unit: str


class WitnessOut(BaseModel):
    party: Party
    name: str = Field(description='Personal data: "[erased]" once the witness was erased')
    organisation: str
    subject_id: UUID = Field(description="The witness as a data subject")


class SamplingOut(BaseModel):
    sampled_by: str = Field(description='Personal data: "[erased]" once the sampler was erased')
    sampler_subject_id: UUID = Field(description="Who sampled, as a data subject")
    place: str
    sampled_at: str
    method_standard: str
    sample_ids: list[str]
    seal_numbers: list[str]
    witnesses: list[WitnessOut]
    joint: bool
    sampling_party: Party | None
    other_party_consented: bool | None


class ResultOut(BaseModel):
    id: UUID
    lab: str
    lab_kind: LabKind
    agency: str | None
    values: dict[str, Measured]
    tested_at: str
    report_attachment_id: UUID | None
    recorded_by: str = Field(description="User id of who recorded it")
    recorded_at: str
    current: bool = Field(description="False once a correction superseded it")
    corrects: UUID | None = Field(description="The result this one corrects")
    correction_reason: str | None
    superseded_by: UUID | None


class VerdictOut(BaseModel):
    name: str
    value: Measured
    conformity: Conformity
    deviation_from_target: Measured | None = Field(description="Value minus target")
    violated_limit: Limit | None
    deviation_from_limit: Measured | None = Field(description="Value minus the violated limit; off spec only")


class ComparisonOut(BaseModel):
    result_id: UUID
    lab_kind: LabKind
    within_spec: bool = Field(description="Every specified parameter tested and within its limits")
    not_tested: list[str] = Field(description="Specified parameters the result lacks")
    parameters: list[VerdictOut]


class ParameterAgreementOut(BaseModel):
    name: str
    difference: Measured
    level: Measured = Field(description="The mean of the two results, which picks the tolerance band")
    reproducibility: Measured
    agrees: bool


class LabAgreementOut(BaseModel):
    labs_agree: bool | None = Field(description="The supplier's QC and the customer's lab; null until both")
    needs_reinspection: bool
    disputed: list[str]
    parameters: list[ParameterAgreementOut]


class PartyAgreementOut(BaseModel):
    party: Party
    agreed_by: str = Field(description='Personal data: "[erased]" once the person was erased')
    subject_id: UUID = Field(description="Who agreed, as a data subject")
    agreed_at: str


class ReinspectionOut(BaseModel):
    requested: bool
    disputed: list[str] = Field(description="As named when the re-inspection was requested")
    agency: str | None
    agreements: list[PartyAgreementOut]


class BasisValueOut(Measured):
    source: BasisSource
    result_ids: list[UUID] = Field(description="The lab results the value rests on")


class BasisOut(BaseModel):
    pending: str | None = Field(description="Why there is no basis yet; null when there is one")
    parameters: dict[str, BasisValueOut] | None


class InspectionPublic(BaseModel):
    id: UUID
    version: int
    case_id: UUID
    shipment_id: UUID
    contract_id: UUID
    sampling: SamplingOut
    results: list[ResultOut] = Field(description="Every result, superseded ones too, in the order recorded")
    comparison: list[ComparisonOut] = Field(description="Each current result against the specification")
    agreement: LabAgreementOut
    reinspection: ReinspectionOut
    basis: BasisOut


def _measured(measured: Measurement | None) -> dict[str, Any] | None:
    return None if measured is None else {"value": measured.value, "unit": measured.unit}


def inspection_public(report: InspectionReport) -> dict[str, Any]:
    """The inspection as REST answers it: `inspection_view` in plain JSON values."""
    return _plain(inspection_view(report))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def inspection_view(report: InspectionReport) -> dict[str, Any]:
    """The inspection, its comparison with the specification, the labs' agreement, the re-inspection and
    the basis, keyed as `InspectionPublic`; enums by value, ids as UUID, measurements `{value, unit}`."""
    inspection, assessment = report.inspection, report.assessment
    sampling = inspection.sampling
    basis = assessment.basis
    return {
        "id": inspection.id,
        "version": inspection.version,
        "case_id": inspection.case_id,
        "shipment_id": inspection.shipment_id,
        "contract_id": report.contract.id,
        "sampling": {
            "sampled_by": sampling.sampled_by,
            "sampler_subject_id": str(sampling.sampler_subject_id),
            "place": sampling.place,
            "sampled_at": sampling.sampled_at,
            "method_standard": sampling.method_standard,
            "sample_ids": list(sampling.sample_ids),
            "seal_numbers": list(sampling.seal_numbers),
            "witnesses": [
                {
                    "party": w.party.value,
                    "name": w.name,
                    "organisation": w.organisation,
                    "subject_id": str(w.subject_id),
                }
                for w in sampling.witnesses
            ],
            "joint": sampling.is_joint,
            "sampling_party": sampling.sampling_party.value if sampling.sampling_party else None,
            "other_party_consented": sampling.other_party_consented,
        },
        "results": [_result(result) for result in inspection.results.values()],
        "comparison": [_comparison(item.result, item.conformity) for item in assessment.results],
        "agreement": {
            "labs_agree": assessment.labs_agree,
            "needs_reinspection": assessment.needs_reinspection,
            "disputed": list(assessment.disputed),
            "parameters": [
                {
                    "name": item.name,
                    "difference": _measured(item.difference),
                    "level": _measured(item.level),
                    "reproducibility": _measured(item.reproducibility),
                    "agrees": item.agrees,
                }
                for item in assessment.agreement
            ],
        },
        "reinspection": {
            "requested": inspection.reinspection_requested_at is not None,
            "disputed": list(inspection.disputed),
            "agency": inspection.agency,
            "agreements": [
                {
                    "party": a.party.value,
                    "agreed_by": a.agreed_by,
                    "agreed_at": a.agreed_at,
                    "subject_id": str(a.subject_id),
                }
                for a in inspection.agreements
            ],
        },
        "basis": {
            "pending": assessment.basis_pending,
            "parameters": None
            if basis is None
            else {
                name: {
                    **(_measured(value.value) or {}),
                    "source": value.source.value,
                    "result_ids": [UUID(result_id) for result_id in value.inspection_ids],
                }
                for name, value in basis.by_parameter.items()
            },
        },
    }


def _result(result: RecordedResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "lab": result.lab,
        "lab_kind": result.lab_kind.value,
        "agency": result.agency,
        "values": {name: _measured(value) for name, value in result.values.items()},
        "tested_at": result.tested_at,
        "report_attachment_id": result.report_attachment_id,
        "recorded_by": result.recorded_by.user_id,
        "recorded_at": result.recorded_at,
        "current": result.is_current,
        "corrects": result.corrects,
        "correction_reason": result.correction_reason,
        "superseded_by": result.superseded_by,
    }


def _comparison(result: RecordedResult, report: ConformityReport) -> dict[str, Any]:
    return {
        "result_id": result.id,
        "lab_kind": result.lab_kind.value,
        "within_spec": report.is_within_spec,
        "not_tested": list(report.not_tested),
        "parameters": [
            {
                "name": verdict.name,
                "value": _measured(verdict.value),
                "conformity": verdict.conformity.value,
                "deviation_from_target": _measured(verdict.deviation_from_target),
                "violated_limit": verdict.violated_limit.value if verdict.violated_limit else None,
                "deviation_from_limit": _measured(verdict.deviation_from_limit),
            }
            for verdict in report.verdicts
        ],
    }
