"""GraphQL reads of the KPIs: every KPI of a month or a year from the read models, whole or broken down
by product, region, department, root cause or month. Names no case; the read is recorded."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import QueryRefused, ReadContext, graphql_enum
from application.access import ReadKind
from domain import kpi, kpi_labels
from domain.errors import InvalidValue
from projections import kpi_queries

KpiName = graphql_enum(kpi.Kpi, "KpiName", "Which KPI a figure is")
KpiDimension = graphql_enum(kpi.Dimension, "KpiDimension", "What the KPIs are broken down by")
KpiLanguage = graphql_enum(kpi_labels.Language, "KpiLanguage", "The language of the labels")


@strawberry.type(description="One KPI, of one group when broken down: numerator ÷ denominator.")
class KpiFigure:
    kpi: KpiName = strawberry.field(description="The KPI")
    label: str = strawberry.field(description="Its name in the language asked for")
    group: str | None = strawberry.field(
        description="The dimension's value (e.g. a product or 2026-10); null when not broken down, or for "
        "the rows that have no value there (a case without a root cause, say)"
    )
    numerator: Decimal = strawberry.field(description="What is counted, e.g. ratings of 4 or 5")
    denominator: Decimal = strawberry.field(description="What it is counted against, e.g. all ratings")
    rate: Decimal | None = strawberry.field(
        description="numerator ÷ denominator x 100 (x 10,000 per 10,000 t), rounded half up to 0.1; null "
        "when the denominator is 0"
    )
    unit: str = strawberry.field(description="% or per 10,000 t")


@strawberry.type(description="The KPIs of a period.")
class KpiReport:
    period: str = strawberry.field(description="The period asked for, e.g. 2026-10")
    period_from: datetime = strawberry.field(name="from", description="Its start, inclusive")
    period_to: datetime = strawberry.field(name="to", description="Its end, exclusive")
    time_zone: str = strawberry.field(description="The zone the months are counted in: Asia/Shanghai")
    aged_at: datetime = strawberry.field(
        description="When open cases' ages are taken: the period's end, or now while the period runs"
    )
    figures: list[KpiFigure] = strawberry.field(description="Every KPI, per group when broken down")


def _report(
    context: ReadContext, period: kpi.Period, by: kpi.Dimension | None, language: kpi_labels.Language
) -> KpiReport:
    services = context.services
    now = services.ledger.clock.now()
    facts = kpi_queries.kpi_facts(services.pool, period, now)
    rows = kpi.kpi_report(facts, by)
    return KpiReport(
        period=period.label,
        period_from=period.start,
        period_to=period.end,
        time_zone=str(period.zone),
        aged_at=facts.aged_at,
        figures=[
            KpiFigure(
                kpi=KpiName(row.kpi.value),
                label=kpi_labels.label(kpi_labels.KPI_LABELS, row.kpi, language),
                group=row.group,
                numerator=row.ratio.numerator,
                denominator=row.ratio.denominator,
                rate=row.ratio.rate,
                unit=kpi_labels.label(kpi_labels.UNIT_LABELS, kpi_labels.kpi_unit(row.kpi), language),
            )
            for row in rows
        ],
    )


@strawberry.type(description="Reads of the KPIs.")
class KpiQueries:
    @strawberry.field(
        description="Every KPI of a month (2026-10) or a year (2026), months counted in Asia/Shanghai, from "
        "the read models (they may lag the latest commands by a moment); names no case. The definitions "
        "are in the README, section KPIs."
    )
    async def kpis(
        self,
        info: Info[ReadContext, None],
        period: Annotated[str, strawberry.argument(description="A month like 2026-10 or a year like 2026")],
        by: Annotated[
            KpiDimension | None, strawberry.argument(description="Break the KPIs down by this; null: whole")
        ] = None,
        lang: Annotated[
            KpiLanguage, strawberry.argument(description="The labels' language: EN or ZH_CN")
        ] = KpiLanguage.EN,  # type: ignore[attr-defined]
    ) -> KpiReport:
        try:
            asked = kpi.Period.parse(period)
        except InvalidValue as refused:
            raise QueryRefused(str(refused)) from None
        await info.context.open_read(ReadKind.KPI)
        dimension = kpi.Dimension(by.value) if by is not None else None
        return await run_in_threadpool(
            _report, info.context, asked, dimension, kpi_labels.Language(lang.value)
        )
