"""GraphQL reads of inspections: sampling, lab results and corrections, the comparison against the contract's
specification, the labs' agreement and the basis; built from the same view as REST's
GET /api/v1/inspections/{id}, read through the application's gate (each read recorded under its case)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import QueryRefused, ReadContext, optional_id
from api.inspection_report import inspection_view
from application.errors import InspectionNotFound
from application.inspections import Inspections


@strawberry.type(description="A measured value and its unit.")
class Measured:
    value: Decimal = strawberry.field(description="The value, a decimal with every digit")
    unit: str = strawberry.field(description="Its unit, e.g. kcal/kg or %")

    @classmethod
    def of(cls, view: dict[str, Any]) -> "Measured":
        return cls(value=view["value"], unit=view["unit"])

    @classmethod
    def maybe(cls, view: dict[str, Any] | None) -> "Measured | None":
        return None if view is None else cls.of(view)


@strawberry.type(description="Someone who watched the sampling for a party.")
class Witness:
    party: str = strawberry.field(description="supplier, customer, carrier or third_party")
    name: str = strawberry.field(description="The witness's name (personal data)")
    organisation: str = strawberry.field(description="Whom they witnessed for")
    subject_id: strawberry.ID = strawberry.field(description="The witness as a data subject")


@strawberry.type(description="How the samples were taken.")
class Sampling:
    sampled_by: str = strawberry.field(description="Who took the samples (personal data)")
    sampler_subject_id: strawberry.ID = strawberry.field(description="Who sampled, as a data subject")
    place: str = strawberry.field(description="Where they were taken")
    sampled_at: datetime = strawberry.field(description="When they were taken")
    method_standard: str = strawberry.field(description="The sampling standard, e.g. GB/T 475")
    sample_ids: list[str] = strawberry.field(description="The samples' ids")
    seal_numbers: list[str] = strawberry.field(description="The seals' numbers")
    witnesses: list[Witness] = strawberry.field(description="The witnesses of each party")
    joint: bool = strawberry.field(description="True when both parties sampled together")
    sampling_party: str | None = strawberry.field(description="One-sided: who sampled; null when joint")
    other_party_consented: bool | None = strawberry.field(
        description="One-sided: whether the other party consented; null when joint"
    )


@strawberry.type(description="One parameter's value in a lab result.")
class ParameterValue:
    parameter: str = strawberry.field(description="The parameter, e.g. Qnet,ar")
    value: Measured = strawberry.field(description="What the lab found")


@strawberry.type(
    description="One lab's result; a correction is a result of its own naming the one it corrects."
)
class LabResult:
    id: strawberry.ID = strawberry.field(description="The result's UUID")
    lab: str = strawberry.field(description="The lab's name")
    lab_kind: str = strawberry.field(description="supplier_qc, customer_lab or third_party_agency")
    agency: str | None = strawberry.field(description="The appointed agency; third-party results only")
    values: list[ParameterValue] = strawberry.field(description="Every parameter it reports")
    tested_at: datetime = strawberry.field(description="When the lab tested the sample")
    report_attachment_id: strawberry.ID | None = strawberry.field(
        description="The lab report, an attachment of the case; null if none was named"
    )
    recorded_by: str = strawberry.field(description="User id of who recorded it")
    recorded_at: datetime = strawberry.field(description="When it was recorded")
    current: bool = strawberry.field(description="False once a correction superseded it")
    corrects: strawberry.ID | None = strawberry.field(description="The result this one corrects, if any")
    correction_reason: str | None = strawberry.field(description="Why it was corrected; corrections only")
    superseded_by: strawberry.ID | None = strawberry.field(description="The correction that replaced it")


@strawberry.type(description="One parameter of a result against the contract's specification.")
class ParameterVerdict:
    name: str = strawberry.field(description="The parameter")
    value: Measured = strawberry.field(description="The result's value")
    conformity: str = strawberry.field(description="within_spec or off_spec")
    deviation_from_target: Measured | None = strawberry.field(
        description="Value minus the target; null without a target"
    )
    violated_limit: str | None = strawberry.field(description="lower or upper; null when within spec")
    deviation_from_limit: Measured | None = strawberry.field(
        description="Value minus the violated limit; off spec only"
    )


@strawberry.type(description="A current result against the contract's specification.")
class SpecComparison:
    result_id: strawberry.ID = strawberry.field(description="The result compared")
    lab_kind: str = strawberry.field(description="The kind of lab that reported it")
    within_spec: bool = strawberry.field(description="Every specified parameter tested and within its limits")
    not_tested: list[str] = strawberry.field(description="Specified parameters the result lacks")
    parameters: list[ParameterVerdict] = strawberry.field(description="Each specified parameter tested")


@strawberry.type(description="The supplier's QC and the customer's lab on one parameter.")
class ParameterAgreement:
    name: str = strawberry.field(description="The parameter")
    difference: Measured = strawberry.field(description="How far apart the two results are")
    level: Measured = strawberry.field(description="The mean of the two, which picks the tolerance band")
    reproducibility: Measured = strawberry.field(description="The tolerance: the method's reproducibility")
    agrees: bool = strawberry.field(description="True when the difference is within the reproducibility")


@strawberry.type(description="Whether the supplier's QC and the customer's lab agree within tolerance.")
class LabAgreement:
    labs_agree: bool | None = strawberry.field(description="Null until both labs reported")
    needs_reinspection: bool = strawberry.field(
        description="True when they disagree beyond tolerance: a third party must settle it"
    )
    disputed: list[str] = strawberry.field(description="The parameters they disagree on")
    parameters: list[ParameterAgreement] = strawberry.field(description="Parameter by parameter")


@strawberry.type(description="One party's agreement to the appointed agency.")
class PartyAgreement:
    party: str = strawberry.field(description="supplier or customer")
    agreed_by: str = strawberry.field(description="Who agreed for the party (personal data)")
    agreed_at: datetime = strawberry.field(description="When")
    subject_id: strawberry.ID = strawberry.field(description="Who agreed, as a data subject")


@strawberry.type(
    description="The third-party re-inspection: requested, and the agency both parties appointed."
)
class Reinspection:
    requested: bool = strawberry.field(description="True once a re-inspection was requested")
    disputed: list[str] = strawberry.field(description="The parameters named when it was requested")
    agency: str | None = strawberry.field(description="The appointed agency; null until appointed")
    agreements: list[PartyAgreement] = strawberry.field(description="Each party's agreement to the agency")


@strawberry.type(description="The value one parameter is settled at, and what it rests on.")
class BasisValue:
    parameter: str = strawberry.field(description="The parameter")
    value: Measured = strawberry.field(description="The value liability and price rest on")
    source: str = strawberry.field(description="mean_of_agreeing_labs or third_party")
    result_ids: list[strawberry.ID] = strawberry.field(description="The lab results the value rests on")


@strawberry.type(
    description="The inspection's basis: the mean where the labs agree, the third party where not."
)
class Basis:
    pending: str | None = strawberry.field(description="Why there is no basis yet; null when there is one")
    parameters: list[BasisValue] | None = strawberry.field(description="Null while pending")


@strawberry.type(
    description="One sampling and testing round of a case's shipment, judged against its contract."
)
class Inspection:
    id: strawberry.ID = strawberry.field(description="The inspection's UUID")
    version: int = strawberry.field(description="Number of its events so far")
    case_id: strawberry.ID = strawberry.field(description="The case it is for")
    shipment_id: strawberry.ID = strawberry.field(description="The shipment sampled")
    contract_id: strawberry.ID = strawberry.field(description="The contract whose specification judges it")
    sampling: Sampling = strawberry.field(description="How the samples were taken")
    results: list[LabResult] = strawberry.field(
        description="Every result, superseded ones too, in the order recorded"
    )
    comparison: list[SpecComparison] = strawberry.field(
        description="Each current result against the specification"
    )
    agreement: LabAgreement = strawberry.field(description="The supplier's and the customer's labs compared")
    reinspection: Reinspection = strawberry.field(description="The third-party re-inspection")
    basis: Basis = strawberry.field(description="What the inspection settles each parameter at")

    @classmethod
    def of_view(cls, view: dict[str, Any]) -> "Inspection":
        sampling = view["sampling"]
        agreement = view["agreement"]
        reinspection = view["reinspection"]
        return cls(
            id=optional_id(view["id"]),
            version=view["version"],
            case_id=optional_id(view["case_id"]),
            shipment_id=optional_id(view["shipment_id"]),
            contract_id=optional_id(view["contract_id"]),
            sampling=Sampling(**{**sampling, "witnesses": [Witness(**w) for w in sampling["witnesses"]]}),
            results=[_result(result) for result in view["results"]],
            comparison=[_comparison(item) for item in view["comparison"]],
            agreement=LabAgreement(
                labs_agree=agreement["labs_agree"],
                needs_reinspection=agreement["needs_reinspection"],
                disputed=agreement["disputed"],
                parameters=[_agreement(item) for item in agreement["parameters"]],
            ),
            reinspection=Reinspection(
                **{**reinspection, "agreements": [PartyAgreement(**a) for a in reinspection["agreements"]]}
            ),
            basis=_basis(view["basis"]),
        )


def _result(view: dict[str, Any]) -> LabResult:
    values = [
        ParameterValue(parameter=name, value=Measured.of(value)) for name, value in view["values"].items()
    ]
    ids = {key: optional_id(view[key]) for key in ("id", "report_attachment_id", "corrects", "superseded_by")}
    return LabResult(**{**view, **ids, "values": values})


def _comparison(view: dict[str, Any]) -> SpecComparison:
    verdicts = [
        ParameterVerdict(
            **{
                **verdict,
                "value": Measured.of(verdict["value"]),
                "deviation_from_target": Measured.maybe(verdict["deviation_from_target"]),
                "deviation_from_limit": Measured.maybe(verdict["deviation_from_limit"]),
            }
        )
        for verdict in view["parameters"]
    ]
    return SpecComparison(**{**view, "result_id": optional_id(view["result_id"]), "parameters": verdicts})


def _agreement(view: dict[str, Any]) -> ParameterAgreement:
    measured = {key: Measured.of(view[key]) for key in ("difference", "level", "reproducibility")}
    return ParameterAgreement(**{**view, **measured})


def _basis(view: dict[str, Any]) -> Basis:
    parameters = view["parameters"]
    return Basis(
        pending=view["pending"],
        parameters=None
        if parameters is None
        else [
            BasisValue(
                parameter=name,
                value=Measured.of(value),
                source=value["source"],
                result_ids=[strawberry.ID(str(result_id)) for result_id in value["result_ids"]],
            )
            for name, value in parameters.items()
        ],
    )


def _inspections(context: ReadContext) -> Inspections:
    return Inspections(context.services.ledger, context.services.read_access)


def read_inspection(context: ReadContext, inspection_id: UUID) -> Inspection | None:
    """The inspection as read through the gate (recorded under its case); None if there is none."""
    try:
        report = _inspections(context).read(context.reader, inspection_id)
    except InspectionNotFound:
        return None  # an unknown id names no case: nothing was read
    return Inspection.of_view(inspection_view(report))


@strawberry.type(description="Reads of inspections.")
class InspectionQueries:
    @strawberry.field(
        description="An inspection by id, read from the event store with its comparison against the "
        "contract's specification (recorded under its case); null if there is no such inspection"
    )
    async def inspection(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The inspection's UUID")],
    ) -> Inspection | None:
        try:
            inspection_id = UUID(str(id))
        except ValueError:
            raise QueryRefused("id must be an inspection's UUID") from None
        return await run_in_threadpool(read_inspection, info.context, inspection_id)
