"""The KPIs of the demo through GraphQL, the CSV export and `aftersales report kpi`; refused to staff; a
period that is no month or year refused naming `period`."""

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from api.demo import load_demo
from domain.kpi import BUSINESS_ZONE, Dimension, Kpi, Period
from projections.kpi_queries import kpis
from tests.conftest import auth
from tests.e2e.test_access import read, refused, settled

KPIS = """query ($period: String!, $by: KpiDimension, $lang: KpiLanguage!) {
  kpis(period: $period, by: $by, lang: $lang) {
    period timeZone from to
    figures { kpi label group numerator denominator rate unit }
  }
}"""
CSV = "/api/v1/kpis.csv"


def _this_month(services: Any) -> str:
    """The month it is now in Shanghai, e.g. 2026-11."""
    return services.ledger.clock.now().astimezone(BUSINESS_ZONE).strftime("%Y-%m")


@pytest.fixture
def month(client: Any, services: Any) -> str:
    """The demo in the read models, which the app's followers keep; this month."""
    load_demo(services.ledger)
    settled(services)
    return _this_month(services)


@pytest.fixture
def demo_month(services: Any) -> str:
    """The demo in the read models, brought up to date here (no app runs); this month."""
    load_demo(services.ledger)
    assert services.projection_runner.catch_up() > 0
    return _this_month(services)


def _csv(client: Any, token: str, **params: str) -> list[list[str]]:
    answer = client.get(CSV, params=params, headers=auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))


def test_graphql_gives_every_kpi_per_product_as_the_read_models_count_them(client, services, tokens, month):
    report = read(client, tokens["manager"], KPIS, period=month, by="PRODUCT", lang="ZH_CN")["kpis"]

    assert (report["period"], report["timeZone"]) == (month, "Asia/Shanghai")
    assert datetime.fromisoformat(report["from"]) == Period.parse(month).start
    expected = kpis(services.pool, Period.parse(month), Dimension.PRODUCT, services.ledger.clock.now())
    figures = report["figures"]
    assert [(f["kpi"], f["group"]) for f in figures] == [(r.kpi.name, r.group) for r in expected]
    assert [f["numerator"] for f in figures] == [str(r.ratio.numerator) for r in expected]
    assert [f["rate"] for f in figures] == [
        None if r.ratio.rate is None else str(r.ratio.rate) for r in expected
    ]
    assert {f["label"] for f in figures} >= {"满意率", "一次修复率", "退货率", "万吨投诉率"}
    assert "KJ-F8 mine safety monitoring substation" in {f["group"] for f in figures}


def test_the_whole_report_has_one_figure_per_kpi(client, tokens, month):
    figures = read(client, tokens["auditor"], KPIS, period=month, lang="EN")["kpis"]["figures"]

    assert [f["kpi"] for f in figures] == [k.name for k in Kpi]
    assert {f["group"] for f in figures} == {None}
    assert figures[0]["label"] == "Satisfaction rate"


def test_the_csv_is_headed_in_the_language_asked_for(client, tokens, month):
    english = _csv(client, tokens["supervisor"], period=month, by="product", lang="en")
    chinese = _csv(client, tokens["compliance"], period=month, by="department", lang="zh-CN")
    whole = _csv(client, tokens["manager"], period=month)

    assert english[0] == ["KPI", "Product", "Numerator", "Denominator", "Rate", "Unit"]
    assert chinese[0] == ["指标", "部门", "分子", "分母", "比率", "单位"]
    assert "未结案件账龄 1-7天" in {line[0] for line in chinese[1:]}
    assert whole[0] == ["KPI", "Numerator", "Denominator", "Rate", "Unit"]
    assert len(whole) == 1 + len(Kpi)


def test_kpis_are_refused_to_staff(client, tokens, month):
    assert "kpi" in refused(client, tokens["staff"], KPIS, period=month, lang="EN")
    assert client.get(CSV, params={"period": month}, headers=auth(tokens["staff"])).status_code == 403
    assert client.get(CSV, params={"period": month}, headers=auth(tokens["service_agent"])).status_code == 403


@pytest.mark.parametrize("period", ["2026-13", "last month", "2026-1"])
def test_a_period_that_is_no_month_or_year_is_refused_naming_period(client, tokens, period):
    answer = client.get(CSV, params={"period": period}, headers=auth(tokens["manager"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "period"

    graphql = client.post(
        "/graphql",
        json={"query": KPIS, "variables": {"period": period, "lang": "EN"}},
        headers=auth(tokens["manager"]),
    )
    [error] = graphql.json()["errors"]
    assert "period" in error["message"]


def test_the_command_line_prints_the_kpis_with_chinese_labels(aftersales, demo_month):
    result = aftersales("report", "kpi", "--period", demo_month, "--lang", "zh-CN", "--by", "product")

    assert result.exit_code == 0, result.output
    for label in ("满意率", "按时率(响应)", "一次修复率", "退货率", "未结案件账龄 0-1天", "产品", "比率"):
        assert label in result.stdout
    assert "KJ-F8 mine safety monitoring substation" in result.stdout


def test_the_command_line_refuses_a_bad_period_naming_it(aftersales):
    result = aftersales("report", "kpi", "--period", "October")

    assert result.exit_code == 2
    assert "period" in result.stderr and "Traceback" not in result.output
