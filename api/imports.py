"""What every bulk import (shipments, units) answers: how many were recorded, or each refused row."""

from collections.abc import Callable
from uuid import UUID

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.problems import Problem, problem
from application.imports import ImportRejected


class Imported(BaseModel):
    imported: int = Field(description="How many were recorded (shipments, units...)")
    ids: list[UUID] = Field(description="Their UUIDs, in the order of the rows")


class RejectedRow(BaseModel):
    row: int = Field(description="1-based, counting data rows (a CSV's header is not a row)")
    field: str = Field(description="The field, or for CSV the column, at fault; `row` for the whole row")
    message: str


class ImportRefused(Problem):
    imported: int = Field(description="Always 0: nothing of a refused import is recorded")
    rejected: list[RejectedRow]


def unreadable_body(message: str, field: str) -> HTTPException:
    return HTTPException(422, message, headers={"X-Problem-Field": field})


def refused_import(request: Request, refused: ImportRejected, field_of: Callable[[str], str]) -> JSONResponse:
    rejected = [{"row": r.row, "field": field_of(r.field), "message": r.message} for r in refused.rejected]
    return problem(
        422,
        "import-refused",
        "The import was refused; nothing was recorded",
        str(refused),
        field=rejected[0]["field"],
        imported=0,
        rejected=rejected,
        request_id=getattr(request.state, "request_id", None),
    )
