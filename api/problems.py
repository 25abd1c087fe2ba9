"""Every error leaves as an RFC 9457 problem document naming what is wrong; no stack trace ever does."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from application.errors import (
    AccessGrantNotFound,
    AlreadyRecorded,
    CaseNotFound,
    ComplaintNotReviewed,
    ContractNotFound,
    CorrectiveActionNotFound,
    DataSubjectNotFound,
    ErasureNotRequested,
    EvidenceTooLarge,
    EvidenceUnreadable,
    FeedbackLinkNotFound,
    FeedbackLinkSpent,
    FollowUpNotStarted,
    IdempotencyKeyReused,
    InspectionNotFound,
    LiabilityNotDetermined,
    NotAllowed,
    RepairNotOpened,
    ReturnNotFound,
    ServicePolicyNotFound,
    SettlementNotProposed,
    ShipmentNotFound,
    SubjectErased,
    SubjectUnderLegalHold,
    UnitNotFound,
    VersionConflict,
)
from domain.access import GrantRuleViolation
from domain.capa import CorrectiveActionRuleViolation
from domain.erasure import ErasureRuleViolation
from domain.errors import CaseRuleViolation, InvalidValue
from domain.evidence import AttachmentNotFound, UnsupportedContent
from domain.followup import FollowUpRuleViolation
from domain.inspection import InspectionRuleViolation, ResultNotFound
from domain.liability_determination import LiabilityRuleViolation, ProposalNotFound
from domain.repair import RepairRuleViolation, VisitNotFound
from domain.returns import ReturnRuleViolation
from domain.settlement import SettlementProposalNotFound, SettlementRuleViolation
from domain.shipment import ShipmentRuleViolation
from domain.supervision import ComplaintReviewRuleViolation

log = structlog.get_logger(__name__)

PROBLEM_TYPE_BASE = "https://aftersales-ledger.dev/problems/"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the field at fault where there is one."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = None


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_TYPE_BASE + kind, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


# (exception type, status, problem kind, title)
_MAPPED: list[tuple[type[Exception], int, str, str]] = [
    (CaseNotFound, 404, "not-found", "No such case"),
    (AccessGrantNotFound, 404, "not-found", "No such access grant"),
    (AttachmentNotFound, 404, "not-found", "No such attachment"),
    (EvidenceTooLarge, 413, "file-too-large", "File too large"),
    (UnsupportedContent, 415, "unsupported-media-type", "File type not accepted"),
    # The stored bytes failed their check: they are not served, and `aftersales verify` names them.
    (EvidenceUnreadable, 500, "evidence-unreadable", "Stored evidence failed its integrity check"),
    (NotAllowed, 403, "forbidden", "Your role does not allow this"),
    (VersionConflict, 409, "version-conflict", "The case has changed"),
    (IdempotencyKeyReused, 422, "idempotency-key-reused", "Idempotency-Key reused with another request"),
    (CaseRuleViolation, 409, "case-rule", "Not allowed in the case's current state"),
    (GrantRuleViolation, 409, "grant-rule", "Not allowed in the access grant's current state"),
    (ContractNotFound, 404, "not-found", "No such contract"),
    (ShipmentNotFound, 404, "not-found", "No such shipment"),
    (AlreadyRecorded, 409, "already-recorded", "Recorded already"),
    (ShipmentRuleViolation, 409, "shipment-rule", "Not allowed in the shipment's current state"),
    (InspectionNotFound, 404, "not-found", "No such inspection"),
    (ResultNotFound, 404, "not-found", "No such lab result"),
    (InspectionRuleViolation, 409, "inspection-rule", "Not allowed in the inspection's current state"),
    (LiabilityNotDetermined, 404, "not-found", "No liability proposed for this case"),
    (ProposalNotFound, 404, "not-found", "No such liability proposal"),
    (LiabilityRuleViolation, 409, "liability-rule", "Not allowed in the liability determination's state"),
    (SettlementNotProposed, 404, "not-found", "No settlement proposed for this case"),
    (SettlementProposalNotFound, 404, "not-found", "No such settlement proposal"),
    (SettlementRuleViolation, 409, "settlement-rule", "Not allowed in the settlement's current state"),
    (CorrectiveActionNotFound, 404, "not-found", "No such corrective action"),
    (CorrectiveActionRuleViolation, 409, "capa-rule", "Not allowed in the corrective action's current state"),
    (ReturnNotFound, 404, "not-found", "No such return"),
    (ReturnRuleViolation, 409, "return-rule", "Not allowed in the return's current state"),
    (UnitNotFound, 404, "not-found", "No such installed unit"),
    (RepairNotOpened, 404, "not-found", "No repair opened for this case"),
    (ServicePolicyNotFound, 404, "not-found", "No service policy for this contract number"),
    (VisitNotFound, 404, "not-found", "No such repair visit"),
    (RepairRuleViolation, 409, "repair-rule", "Not allowed in the repair's current state"),
    (FollowUpNotStarted, 404, "not-found", "Nothing recorded about this case's follow-up yet"),
    (FollowUpRuleViolation, 409, "follow-up-rule", "Not allowed in the follow-up's current state"),
    (FeedbackLinkNotFound, 404, "not-found", "No such feedback link"),
    (FeedbackLinkSpent, 410, "feedback-link-spent", "The feedback link was used already or expired"),
    (ComplaintNotReviewed, 404, "not-found", "The complaint is not verified yet"),
    (ComplaintReviewRuleViolation, 409, "complaint-review-rule", "Not allowed in the review's current state"),
    (DataSubjectNotFound, 404, "not-found", "No case holds this data subject's personal data"),
    (ErasureNotRequested, 404, "not-found", "No erasure requested for this data subject"),
    (SubjectUnderLegalHold, 409, "legal-hold", "A case of the data subject is under legal hold"),
    (ErasureRuleViolation, 409, "erasure-rule", "Not allowed in the erasure's current state"),
    (SubjectErased, 409, "subject-erased", "This person's data was erased"),
    (InvalidValue, 422, "invalid-value", "Invalid value"),
]


def _field(error: Exception) -> str | None:
    return getattr(error, "field", None)


def _location(loc: tuple[Any, ...]) -> str:
    # ("body", "contact", "name") reads better as "contact.name"; headers and path keep their place.
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    for exc_type, status, kind, title in _MAPPED:

        def handler(
            request: Request, exc: Exception, status: int = status, kind: str = kind, title: str = title
        ):
            return problem(status, kind, title, str(exc), field=_field(exc), request_id=_request_id(request))

        app.add_exception_handler(exc_type, handler)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": "body" if e["type"] == "json_invalid" else _location(tuple(e["loc"])),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(
            422,
            "invalid-request",
            "The request is not valid",
            detail,
            field=errors[0]["field"] if errors else None,
            errors=errors,
            request_id=_request_id(request),
        )

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        field = (exc.headers or {}).get("X-Problem-Field")
        return problem(
            exc.status_code,
            f"http-{exc.status_code}",
            _reason(exc.status_code),
            str(exc.detail),
            field=field,
            request_id=_request_id(request),
        )


def internal_error(request_id: str) -> JSONResponse:
    """The only thing a client learns of a server failure: that it happened, and the id to quote."""
    return problem(
        500,
        "internal",
        "Internal error",
        f"the server failed; quote request id {request_id} to support",
        request_id=request_id,
    )


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
