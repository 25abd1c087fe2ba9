"""REST on the service commitments: register (or revise) a contract's service policy and read it; list the
at-risk and breached service clocks escalated to the manager. A case's clocks are read in GraphQL
(`case { serviceClocks }`)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.cases import ShortText, Strict
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, Created, within
from application.access import Reader
from application.service_clocks import ServiceClocks, ServicePolicies
from domain.business_calendar import MONDAY_TO_FRIDAY
from domain.commitments import (
    COMMITMENT_NAMES,
    DEFAULT_POLICY,
    Commitment,
    CommitmentPolicy,
    OfficeCalendar,
    ServicePolicy,
)
from projections.service_clock_queries import clock_alerts

router = APIRouter(tags=["service commitments"])

POLICIES = "/api/v1/service-policies"
ContractNumber = Annotated[str, Path(max_length=200, description="The service contract's number")]


class CommitmentIn(Strict):
    target_minutes: int = Field(gt=0, description="The commitment's target in minutes, e.g. 1440 for 24 h")
    business_hours: bool = Field(
        default=False, description="Count the office calendar's working hours (else calendar hours)"
    )
    at_risk_lead_minutes: int = Field(
        default=0, ge=0, description="Warn (and escalate) this long before the due time; 0: no warning"
    )


def _default(commitment: Commitment) -> CommitmentIn:
    return CommitmentIn(
        target_minutes=int(commitment.target / timedelta(minutes=1)),
        business_hours=commitment.business_hours,
        at_risk_lead_minutes=int(commitment.at_risk_lead / timedelta(minutes=1)),
    )


class OfficeIn(Strict):
    time_zone: ShortText = Field(description="An IANA zone, e.g. Asia/Shanghai")
    hours: list[ShortText] = Field(
        min_length=1,
        max_length=6,
        description='The same hours each working day, e.g. ["08:30-12:00", "13:30-17:30"]',
    )
    weekdays: list[int] = Field(
        default_factory=lambda: list(MONDAY_TO_FRIDAY), description="Working weekdays, 0 is Monday"
    )
    holidays: list[date] = Field(
        default_factory=list, max_length=400, description="Days off (e.g. 2026-10-01)"
    )
    working_days: list[date] = Field(
        default_factory=list, max_length=400, description="Weekend days worked in exchange (调休)"
    )


class ServicePolicyIn(Strict):
    contract_number: ShortText = Field(description="The service contract the policy belongs to")
    home_regions: list[ShortText] = Field(
        default_factory=list, max_length=50, description="e.g. Jiangsu, Zhejiang, Shanghai, Anhui"
    )
    is_local_service_contract: bool = Field(default=False, description="On site within the local target")
    respond: CommitmentIn = Field(default_factory=lambda: _default(DEFAULT_POLICY.respond))
    on_site_home: CommitmentIn = Field(default_factory=lambda: _default(DEFAULT_POLICY.on_site_home))
    on_site_elsewhere: CommitmentIn = Field(
        default_factory=lambda: _default(DEFAULT_POLICY.on_site_elsewhere)
    )
    on_site_local: CommitmentIn = Field(default_factory=lambda: _default(DEFAULT_POLICY.on_site_local))
    fix: CommitmentIn = Field(default_factory=lambda: _default(DEFAULT_POLICY.fix))
    signed_record: CommitmentIn = Field(default_factory=lambda: _default(DEFAULT_POLICY.signed_record))
    office: OfficeIn | None = Field(
        default=None, description="The business calendar; needed for business hours"
    )


class ServicePolicyPublic(ServicePolicyIn):
    id: UUID
    version: int


class AlertOut(BaseModel):
    case_id: UUID
    case_number: str | None
    clock: str = Field(description="respond, on_site, fix or signed_record")
    kind: str = Field(description="at_risk or breached")
    due_at: datetime
    breached_by_seconds: float | None
    escalated_to: str = Field(description="Whom the alert is escalated to: the manager")
    raised_at: datetime


def _policy(body: ServicePolicyIn) -> CommitmentPolicy:
    commitments = {}
    for name in COMMITMENT_NAMES:
        sent: CommitmentIn = getattr(body, name)
        with within(name):
            commitments[name] = Commitment(
                timedelta(minutes=sent.target_minutes),
                sent.business_hours,
                timedelta(minutes=sent.at_risk_lead_minutes),
            )
    office = None
    if body.office is not None:
        with within("office"):
            office = OfficeCalendar(
                body.office.time_zone,
                tuple(body.office.hours),
                tuple(body.office.weekdays),
                tuple(body.office.holidays),
                tuple(body.office.working_days),
            )
    return CommitmentPolicy(
        home_regions=tuple(body.home_regions),
        is_local_service_contract=body.is_local_service_contract,
        office=office,
        **commitments,
    )


def _public(found: ServicePolicy) -> dict[str, Any]:
    policy = found.policy
    office = policy.office
    return {
        "id": found.id,
        "version": found.version,
        "contract_number": found.contract_number,
        "home_regions": list(policy.home_regions),
        "is_local_service_contract": policy.is_local_service_contract,
        **{name: _default(commitment) for name, commitment in policy.commitments()},
        "office": {
            "time_zone": office.time_zone,
            "hours": list(office.hours),
            "weekdays": list(office.weekdays),
            "holidays": list(office.holidays),
            "working_days": list(office.working_days),
        }
        if office
        else None,
    }


def _policies(request: Request) -> ServicePolicies:
    services = request.app.state.services
    return ServicePolicies(services.ledger, services.read_access)


def _reader(request: Request, user: Any) -> Reader:
    return Reader(user.id, user.roles, getattr(request.state, "request_id", None))


@router.post(
    POLICIES,
    status_code=201,
    response_model=Created,
    responses={**WRITE_ERRORS, 409: {"model": Problem, "description": "Stale If-Match"}},
    summary="Register a contract's service policy, or revise it (managers): the four commitments' "
    "targets, calendar or business hours, warning leads, home regions, local contract, office calendar",
)
def register_policy(
    body: ServicePolicyIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _policies(request).register(caller, body.contract_number, _policy(body))
    response.headers["ETag"] = f'"{result.version}"'
    response.headers["Location"] = f"{POLICIES}/{body.contract_number}"
    return result.as_response()


@router.get(
    f"{POLICIES}/{{contract_number}}",
    response_model=ServicePolicyPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No policy for this contract number"}},
    summary="A contract's service policy (without one, the published defaults apply)",
)
async def read_policy(contract_number: ContractNumber, request: Request, user: CurrentUser) -> Any:
    found = await run_in_threadpool(_policies(request).read, _reader(request, user), contract_number)
    return _public(found)


@router.get(
    "/api/v1/service-clocks/alerts",
    response_model=list[AlertOut],
    responses=READ_ERRORS,
    summary="The service clocks at risk or breached, escalated to the manager, newest first",
)
async def list_alerts(
    request: Request, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> Any:
    services = request.app.state.services
    clocks = ServiceClocks(services.ledger, services.read_access)
    await run_in_threadpool(clocks.open_alerts, _reader(request, user))
    return [vars(alert) for alert in await run_in_threadpool(clock_alerts, services.pool, limit)]
