"""REST on contracts: register one with its quality specification, windows and price rule; read it back.

Every figure of the specification and the price rule is a plain decimal in the unit of the parameter it
is about (the specification names that unit once), and every amount is in the contract price's currency
per the contract price's unit: a contract cannot mix units or currencies by construction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.cases import ShortText, Strict
from application.access import Reader, ReadKind
from application.ledger import CommandResult
from application.shipments import ContractTerms, Shipments
from domain.deadlines import Step, StepLimits
from domain.errors import DomainError, InvalidValue
from domain.measurement import Measurement
from domain.money import Money
from domain.pricing import (
    Direction,
    PartialStep,
    PriceRule,
    ProRataRule,
    RejectionThreshold,
    StepRule,
    UnitPrice,
)
from domain.shipment import Contract, TransitLossAllowance, TransportMode
from domain.specification import ObjectionWindows, ParameterSpec, QualitySpecification, ToleranceBand
from infra.users import User

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts and shipments"])

WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed Idempotency-Key header"},
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "The caller's roles do not allow this command"},
    413: {"model": Problem, "description": "The body is larger than the configured limit"},
    422: {
        "model": Problem,
        "description": "A field is invalid (named in `field`), or an Idempotency-Key was reused with "
        "another body",
    },
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "The caller's roles do not allow this read (it is recorded)"},
}
Figure = Annotated[Decimal, Field(description="A decimal in the parameter's unit; send it as a string")]


class ToleranceBandIn(Strict):
    reproducibility: Figure = Field(description="Two labs agree when their results differ by no more")
    up_to: Figure | None = Field(default=None, description="The band covers levels up to this; last: none")
    includes_up_to: bool = Field(default=True, description="False for 'below', e.g. Ad < 15 %")


class ParameterIn(Strict):
    name: ShortText = Field(description="e.g. Qnet,ar")
    unit: ShortText = Field(description="The unit of every figure of this parameter, e.g. kcal/kg")
    test_standard: ShortText = Field(description="e.g. GB/T 213")
    target: Figure | None = None
    lower_limit: Figure | None = Field(default=None, description="Inclusive: a result on it is within spec")
    upper_limit: Figure | None = Field(default=None, description="Inclusive: a result on it is within spec")
    reproducibility: list[ToleranceBandIn] = Field(min_length=1, max_length=20)
    result_after_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Days after sampling before this parameter's result exists (e.g. 28 for cement's 28-day "
        "strength); the contract's test step limit must be at least this long",
    )


class ObjectionWindowsIn(Strict):
    quality_days: int = Field(ge=1, le=3650, description="Days after arrival for a quality objection")
    quantity_days: int = Field(ge=1, le=3650, description="Days after arrival for a quantity objection")


class UnitPriceIn(Strict):
    amount: Decimal = Field(description="Decimal amount; send it as a string to keep every digit")
    currency: Annotated[str, Field(min_length=3, max_length=3)] = Field(description="ISO 4217, e.g. CNY")
    per: ShortText = Field(description="The unit of quantity, e.g. t; shipment quantities use it")


class StepRuleIn(Strict):
    kind: Literal["step"]
    parameter: ShortText
    reference: Figure
    direction: Direction = Field(description="below: a shortfall costs; above: an excess costs")
    step: Figure = Field(description="e.g. 100 (kcal/kg) or 0.1 (%)")
    reduction_per_step: Decimal = Field(description="Per step, in the contract's currency per its unit")
    partial_step: PartialStep


class ProRataRuleIn(Strict):
    kind: Literal["pro_rata"]
    parameter: ShortText
    reference: Figure
    bonus_above_reference: bool = False


class RejectionIn(Strict):
    parameter: ShortText
    limit: Figure
    direction: Direction = Field(description="Beyond the limit in this direction the lot may be rejected")


class PriceRuleIn(Strict):
    adjustments: list[Annotated[StepRuleIn | ProRataRuleIn, Field(discriminator="kind")]] = Field(
        default_factory=list, max_length=50
    )
    rejections: list[RejectionIn] = Field(default_factory=list, max_length=50)


class TransitLossIn(Strict):
    mode: TransportMode
    percent: Decimal = Field(description="Share of the dispatch weight accepted as lost, e.g. 1.2")


_HOURS = "Whole hours from the completion of the previous step; absent: the default"


class StepLimitsIn(Strict):
    """The time limit of each step of an objection, in whole hours; a step left out gets its default."""

    acknowledge_hours: int | None = Field(
        default=None,
        ge=1,
        le=87600,
        description="Whole hours from the registration; absent: the default (24)",
    )
    sample_hours: int | None = Field(default=None, ge=1, le=87600, description=f"{_HOURS} (72)")
    test_hours: int | None = Field(
        default=None,
        ge=1,
        le=87600,
        description=f"{_HOURS} (240); at least the longest `result_after_days` of the specification",
    )
    determine_hours: int | None = Field(default=None, ge=1, le=87600, description=f"{_HOURS} (120)")
    settle_hours: int | None = Field(default=None, ge=1, le=87600, description=f"{_HOURS} (240)")


class ContractCreate(Strict):
    number: ShortText = Field(description="The contract number, unique: a second registration is 409")
    customer_id: ShortText = Field(description="The customer's id in the supplier's customer master")
    product: ShortText = Field(description="e.g. Thermal coal")
    grade: ShortText = Field(description="e.g. Q5500, P·O 42.5")
    unit_price: UnitPriceIn
    specification: list[ParameterIn] = Field(min_length=1, max_length=100)
    objection_windows: ObjectionWindowsIn = Field(
        description="Counted in days after the day of arrival, in China Standard Time"
    )
    price_rule: PriceRuleIn = Field(default_factory=PriceRuleIn)
    transit_loss: list[TransitLossIn] = Field(default_factory=list, max_length=4)
    step_limits: StepLimitsIn = Field(
        default_factory=StepLimitsIn,
        description="The published time limit of each step (acknowledge, sample, test, determine, settle), "
        "in hours; each step's clock starts when the previous step is done. A read shows every step's limit.",
    )


class ContractPublic(ContractCreate):
    id: UUID
    version: int
    registered_by: str = Field(description="User id of who registered it")
    registered_at: str = Field(description="When it was registered (ISO 8601)")


class Created(BaseModel):
    id: UUID = Field(description="The UUID, derived from the business key")
    version: int


def shipments(request: Request) -> Shipments:
    return Shipments(request.app.state.services.ledger)


def respond(response: Response, result: CommandResult, location: str) -> dict[str, Any]:
    response.headers["ETag"] = f'"{result.version}"'
    response.headers["Location"] = f"{location}/{result.id}"
    return result.as_response()


async def open_read(request: Request, user: User, what: ReadKind) -> None:
    """The matrix decides, and the access log records the read (naming no case)."""
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    await run_in_threadpool(request.app.state.services.read_access.open, reader, what, [])


@contextmanager
def within(prefix: str) -> Iterator[None]:
    """A refusal of a nested value names its place in the body, e.g. `specification.2.upper_limit`."""
    try:
        yield
    except DomainError as refused:
        place = f"{prefix}.{refused.field}" if refused.field else prefix
        raise InvalidValue(str(refused), field=place) from None


@router.post(
    "",
    status_code=201,
    response_model=Created,
    responses={**WRITE_ERRORS, 409: {"model": Problem, "description": "The contract number is registered"}},
    summary="Register a contract: specification, objection windows, price and price rule (managers)",
)
def register_contract(
    body: ContractCreate, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = shipments(request).register_contract(caller, _terms(body))
    return respond(response, result, router.prefix)


@router.get(
    "/{contract_id}",
    response_model=ContractPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No contract with this id"}},
    summary="A contract as registered, read from the event store",
)
async def read_contract(
    contract_id: Annotated[UUID, Path(description="The contract's UUID")], request: Request, user: CurrentUser
) -> Any:
    await open_read(request, user, ReadKind.CONTRACT)
    found = await run_in_threadpool(shipments(request).contract, contract_id)
    return _public(found)


def _terms(body: ContractCreate) -> ContractTerms:
    with within("unit_price"):
        price = UnitPrice(Money(body.unit_price.amount, body.unit_price.currency), body.unit_price.per)
    spec_parameters = []
    for n, parameter in enumerate(body.specification):
        with within(f"specification.{n}"):
            spec_parameters.append(_parameter(parameter))
    with within("specification"):
        spec = QualitySpecification(tuple(spec_parameters))
    with within("objection_windows"):
        windows = ObjectionWindows(body.objection_windows.quality_days, body.objection_windows.quantity_days)
    with within("transit_loss"):
        loss = tuple(TransitLossAllowance(item.mode, item.percent) for item in body.transit_loss)
    with within("step_limits"):
        limits = _step_limits(body.step_limits)
    return ContractTerms(
        number=body.number,
        customer_id=body.customer_id,
        product=body.product,
        grade=body.grade,
        specification=spec,
        objection_windows=windows,
        unit_price=price,
        price_rule=_price_rule(body.price_rule, spec, price),
        transit_loss=loss,
        step_limits=limits,
    )


def _step_limits(body: StepLimitsIn) -> StepLimits:
    given = {step.value: getattr(body, f"{step.value}_hours") for step in Step}
    return StepLimits(**{step: timedelta(hours=hours) for step, hours in given.items() if hours is not None})


def _parameter(body: ParameterIn) -> ParameterSpec:
    def measured(value: Decimal | None) -> Measurement | None:
        return None if value is None else Measurement(value, body.unit)

    bands = tuple(
        ToleranceBand(Measurement(b.reproducibility, body.unit), measured(b.up_to), b.includes_up_to)
        for b in body.reproducibility
    )
    return ParameterSpec(
        body.name,
        body.unit,
        body.test_standard,
        bands,
        target=measured(body.target),
        lower_limit=measured(body.lower_limit),
        upper_limit=measured(body.upper_limit),
        result_after=timedelta(days=body.result_after_days) if body.result_after_days else None,
    )


def _price_rule(body: PriceRuleIn, spec: QualitySpecification, price: UnitPrice) -> PriceRule:
    def unit_of(parameter: str, place: str) -> str:
        if parameter not in spec.names:
            raise InvalidValue(
                f"the price rule is about {parameter}, which the specification does not specify",
                field=f"{place}.parameter",
            )
        return spec.parameter(parameter).unit

    adjustments: list[StepRule | ProRataRule] = []
    for n, line in enumerate(body.adjustments):
        place = f"price_rule.adjustments.{n}"
        unit = unit_of(line.parameter, place)
        with within(place):
            if isinstance(line, StepRuleIn):
                per_step = UnitPrice(Money(line.reduction_per_step, price.amount.currency), price.per)
                adjustments.append(
                    StepRule(
                        line.parameter,
                        Measurement(line.reference, unit),
                        line.direction,
                        Measurement(line.step, unit),
                        per_step,
                        line.partial_step,
                    )
                )
            else:
                reference = Measurement(line.reference, unit)
                adjustments.append(ProRataRule(line.parameter, reference, line.bonus_above_reference))
    rejections = []
    for n, threshold in enumerate(body.rejections):
        place = f"price_rule.rejections.{n}"
        limit = Measurement(threshold.limit, unit_of(threshold.parameter, place))
        with within(place):
            rejections.append(RejectionThreshold(threshold.parameter, limit, threshold.direction))
    return PriceRule(tuple(adjustments), tuple(rejections))


def _public(contract: Contract) -> dict[str, Any]:
    """The contract in the shape it was registered in, with its id, version and who registered it."""
    price = contract.unit_price
    return {
        "id": contract.id,
        "version": contract.version,
        "number": contract.number,
        "customer_id": contract.customer_id,
        "product": contract.product,
        "grade": contract.grade,
        "unit_price": {"amount": price.amount.amount, "currency": price.amount.currency, "per": price.per},
        "specification": [_parameter_out(p) for p in contract.specification.parameters],
        "objection_windows": {
            "quality_days": contract.objection_windows.quality_days,
            "quantity_days": contract.objection_windows.quantity_days,
        },
        "price_rule": {
            "adjustments": [_adjustment_out(a) for a in contract.price_rule.adjustments],
            "rejections": [
                {"parameter": r.parameter, "limit": r.limit.value, "direction": r.direction}
                for r in contract.price_rule.rejections
            ],
        },
        "transit_loss": [{"mode": t.mode, "percent": t.percent} for t in contract.transit_loss],
        "step_limits": {
            f"{step.value}_hours": contract.step_limits.of(step) // timedelta(hours=1) for step in Step
        },
        "registered_by": contract.registered_by.user_id,
        "registered_at": contract.registered_at.isoformat(),
    }


def _parameter_out(parameter: ParameterSpec) -> dict[str, Any]:
    def figure(measured: Measurement | None) -> Decimal | None:
        return measured.value if measured is not None else None

    return {
        "name": parameter.name,
        "unit": parameter.unit,
        "test_standard": parameter.test_standard,
        "target": figure(parameter.target),
        "lower_limit": figure(parameter.lower_limit),
        "upper_limit": figure(parameter.upper_limit),
        "result_after_days": parameter.result_after.days if parameter.result_after else None,
        "reproducibility": [
            {
                "reproducibility": b.reproducibility.value,
                "up_to": figure(b.up_to),
                "includes_up_to": b.includes_up_to,
            }
            for b in parameter.reproducibility
        ],
    }


def _adjustment_out(line: StepRule | ProRataRule) -> dict[str, Any]:
    if isinstance(line, StepRule):
        return {
            "kind": "step",
            "parameter": line.parameter,
            "reference": line.reference.value,
            "direction": line.direction,
            "step": line.step.value,
            "reduction_per_step": line.reduction_per_step.amount.amount,
            "partial_step": line.partial_step,
        }
    return {
        "kind": "pro_rata",
        "parameter": line.parameter,
        "reference": line.reference.value,
        "bonus_above_reference": line.bonus_above_reference,
    }
