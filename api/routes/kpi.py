"""REST export of the KPIs as CSV: every KPI of a month or a year, whole or by a dimension, labelled in
English or Chinese, for the periodic feedback report to management."""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentUser
from api.problems import Problem
from api.routes.contracts import READ_ERRORS, open_read
from domain.access import ReadKind
from domain.kpi import Dimension, Period
from domain.kpi_labels import Language, report_lines
from projections.kpi_queries import kpis

router = APIRouter(prefix="/api/v1", tags=["KPIs"])


@router.get(
    "/kpis.csv",
    response_class=Response,
    responses={
        **READ_ERRORS,
        200: {"content": {"text/csv": {}}, "description": "The KPIs, one line per KPI (and group)"},
        422: {"model": Problem, "description": "`period` is no month (2026-10) or year (2026)"},
    },
    summary="Every KPI of a period as CSV, whole or by product, region, department, root cause or month",
    description="From the read models (they may lag the latest commands by a moment); months are counted "
    "in Asia/Shanghai. Columns: KPI, the dimension's value (with `by`), numerator, denominator, rate "
    "(rounded half up to 0.1; empty when the denominator is 0) and unit, headed in `lang`. UTF-8 with a "
    "byte order mark, so that spreadsheets read the Chinese labels. Names no case; the read is recorded.",
)
async def kpi_csv(
    request: Request,
    user: CurrentUser,
    period: Annotated[str, Query(max_length=20, description="A month like 2026-10 or a year like 2026")],
    by: Annotated[Dimension | None, Query(description="Break the KPIs down by this")] = None,
    lang: Annotated[Language, Query(description="The labels' language")] = Language.EN,
) -> Response:
    asked = Period.parse(period)
    await open_read(request, user, ReadKind.KPI)
    services = request.app.state.services
    rows = await run_in_threadpool(kpis, services.pool, asked, by, services.ledger.clock.now())
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(report_lines(rows, by, lang))
    name = f"kpis-{asked.label}{'-' + by.value if by else ''}-{lang.value}.csv"
    return Response(
        "\ufeff" + text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
