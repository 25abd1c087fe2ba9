"""REST on inspections: open one with its sampling record, record and correct lab results, request the
third-party re-inspection, appoint the agency, and read it with its comparison, agreement and basis."""

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.inspection_report import InspectionPublic, inspection_public
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import ShortText, Strict, SubjectId, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, respond
from application.access import Reader
from application.inspections import Inspections, LabResultEntry, MeasuredEntry
from domain.inspection import Agreement, LabKind, Party, Sampling, Witness

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])

InspectionId = Annotated[UUID, Path(description="The inspection's UUID")]
ResultId = Annotated[UUID, Path(description="The id of the lab result to correct (a current one)")]
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {"model": Problem, "description": "No inspection with this id (or another thing named in `field`)"},
    409: {"model": Problem, "description": "Stale If-Match, or the inspection's rules refuse it (`field`)"},
}


class WitnessIn(Strict):
    party: Party
    name: ShortText = Field(description="The witness's name (personal data: never logged)")
    organisation: ShortText
    subject_id: SubjectId


class SamplingIn(Strict):
    sampled_by: ShortText = Field(description="Who took the samples (personal data: never logged)")
    sampler_subject_id: SubjectId
    place: ShortText = Field(description="Where, e.g. the unloading track or the yard")
    sampled_at: AwareDatetime = Field(description="When (time zone required); not before dispatch")
    method_standard: ShortText = Field(description="The sampling standard, e.g. GB/T 475")
    sample_ids: list[ShortText] = Field(min_length=1, max_length=100)
    seal_numbers: list[ShortText] = Field(min_length=1, max_length=100)
    witnesses: list[WitnessIn] = Field(
        default_factory=list, max_length=20, description="Joint sampling needs a supplier and a customer"
    )
    joint: bool = Field(description="True: both parties sampled together (双方共同取样)")
    sampling_party: Party | None = Field(
        default=None, description="One-sided sampling only: supplier or customer, who sampled"
    )
    other_party_consented: bool | None = Field(
        default=None, description="One-sided sampling only (required then): did the other party consent"
    )


class InspectionCreate(Strict):
    case_id: UUID = Field(
        description="A quality or quantity objection, open, not held as late, that names the shipment"
    )
    shipment_id: UUID = Field(description="The shipment sampled; its contract's specification judges results")
    sampling: SamplingIn


class MeasuredIn(Strict):
    value: Decimal = Field(description="Send it as a string to keep every digit")
    unit: ShortText | None = Field(
        default=None,
        description="Default: the unit the contract specifies the parameter in (then it must be that "
        "unit); required for a parameter the contract does not specify",
    )


Values = Annotated[
    dict[ShortText, MeasuredIn], Field(min_length=1, max_length=100, description="By parameter, e.g. Qnet,ar")
]


class LabResultIn(Strict):
    lab: ShortText = Field(description="The laboratory's name (a company, never a person)")
    lab_kind: LabKind = Field(description="One current result per kind; a third party's only once appointed")
    agency: ShortText | None = Field(
        default=None, description="Third party only (required then): the appointed agency, e.g. CCIC"
    )
    values: Values
    tested_at: AwareDatetime = Field(description="When tested (time zone required); not before sampling")
    report_attachment_id: UUID | None = Field(
        default=None, description="The lab report, an attachment of the inspection's case"
    )


class CorrectionIn(Strict):
    values: Values = Field(description="The corrected values only; the others stay as recorded")
    reason: Text


class ReinspectionIn(Strict):
    reason: Text = Field(description="Why; the disputed parameters are derived from the results, not sent")


class AgreementIn(Strict):
    agreed_by: ShortText = Field(description="Who agreed for the party (personal data: never logged)")
    agreed_at: AwareDatetime = Field(description="When (time zone required)")
    subject_id: SubjectId


class AgencyIn(Strict):
    agency: ShortText = Field(description="The legally qualified third-party agency, e.g. CCIC or SGS")
    supplier_agreement: AgreementIn
    customer_agreement: AgreementIn


class Created(BaseModel):
    id: UUID = Field(description="The inspection's UUID")
    version: int


class ResultCreated(Created):
    result_id: UUID = Field(description="The new result's id (a correction's own id)")


class ReinspectionCreated(Created):
    disputed: list[str] = Field(description="The parameters the labs disagree on beyond the reproducibility")


def inspections(request: Request) -> Inspections:
    services = request.app.state.services
    return Inspections(services.ledger, services.read_access)


@router.post(
    "",
    status_code=201,
    response_model=Created,
    responses={
        **WRITE_ERRORS,
        404: {"model": Problem, "description": "No case (`case_id`) or no shipment (`shipment_id`)"},
        409: {
            "model": Problem,
            "description": "The case is closed or withdrawn, not a quality or quantity objection, a late "
            "objection awaiting a manager's override, or does not name the shipment (`field` says which)",
        },
    },
    summary="Open an inspection of a case's shipment with its sampling record",
)
def open_inspection(
    body: InspectionCreate, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = inspections(request).open(caller, body.case_id, body.shipment_id, _sampling(body.sampling))
    return respond(response, result, router.prefix)


@router.post(
    "/{inspection_id}/results",
    status_code=201,
    response_model=ResultCreated,
    responses=_CHANGE_ERRORS,
    summary="Record one lab's result, in the contract's units",
)
def record_result(
    inspection_id: InspectionId,
    body: LabResultIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    entry = LabResultEntry(
        lab=body.lab,
        lab_kind=body.lab_kind,
        values=_values(body.values),
        tested_at=body.tested_at,
        agency=body.agency,
        report_attachment_id=body.report_attachment_id,
    )
    return versioned(response, inspections(request).record_result(caller, inspection_id, entry))


@router.post(
    "/{inspection_id}/results/{result_id}/corrections",
    status_code=201,
    response_model=ResultCreated,
    responses=_CHANGE_ERRORS,
    summary="Correct a result: a new result that supersedes it, with a reason; nothing is overwritten",
)
def correct_result(
    inspection_id: InspectionId,
    result_id: ResultId,
    body: CorrectionIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    result = inspections(request).correct_result(
        caller, inspection_id, result_id, _values(body.values), body.reason
    )
    return versioned(response, result)


@router.post(
    "/{inspection_id}/reinspection",
    response_model=ReinspectionCreated,
    responses=_CHANGE_ERRORS,
    summary="Request a third-party re-inspection: only when the two labs disagree beyond the reproducibility",
)
def request_reinspection(
    inspection_id: InspectionId,
    body: ReinspectionIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    return versioned(response, inspections(request).request_reinspection(caller, inspection_id, body.reason))


@router.post(
    "/{inspection_id}/agency",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Appoint the third-party agency, with the supplier's and the customer's agreement",
)
def appoint_agency(
    inspection_id: InspectionId, body: AgencyIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    supplier = _agreement(Party.SUPPLIER, body.supplier_agreement)
    customer = _agreement(Party.CUSTOMER, body.customer_agreement)
    result = inspections(request).appoint_agency(caller, inspection_id, body.agency, supplier, customer)
    return versioned(response, result)


@router.get(
    "/{inspection_id}",
    response_model=InspectionPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No inspection with this id"}},
    summary="An inspection with each current result against the specification, the labs' agreement and "
    "the basis",
    description="Read from the event store; recorded in the access log under the inspection's case (staff "
    "read it under an access grant of that case). Every measured value is `{value, unit}` with the value "
    "a decimal string. `results` lists every result, superseded ones too; `comparison` the current ones.",
)
async def read_inspection(inspection_id: InspectionId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    report = await run_in_threadpool(inspections(request).read, reader, inspection_id)
    return inspection_public(report)


# -- translation -----------------------------------------------------------------------------------


def _sampling(body: SamplingIn) -> Sampling:
    return Sampling(
        sampled_by=body.sampled_by,
        place=body.place,
        sampled_at=body.sampled_at,
        method_standard=body.method_standard,
        sample_ids=tuple(body.sample_ids),
        seal_numbers=tuple(body.seal_numbers),
        witnesses=tuple(Witness(w.party, w.name, w.organisation, w.subject_id) for w in body.witnesses),
        is_joint=body.joint,
        sampling_party=body.sampling_party,
        other_party_consented=body.other_party_consented,
        sampler_subject_id=body.sampler_subject_id,
    )


def _agreement(party: Party, body: AgreementIn) -> Agreement:
    return Agreement(party, body.agreed_by, body.agreed_at, body.subject_id)


def _values(values: dict[str, MeasuredIn]) -> tuple[MeasuredEntry, ...]:
    return tuple(MeasuredEntry(name, item.value, item.unit) for name, item in values.items())
