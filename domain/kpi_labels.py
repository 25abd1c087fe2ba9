"""The KPIs' labels in English and Chinese (zh-CN), and the report as lines of labelled text cells: what
the CSV export and the command line print."""

from collections.abc import Sequence
from enum import Enum

from domain.kpi import Dimension, Kpi, KpiRow


class Language(Enum):
    EN = "en"
    ZH_CN = "zh-CN"


# (en, zh-CN) for each KPI, dimension and column: the management's report reads in either.
KPI_LABELS: dict[Kpi, tuple[str, str]] = {
    Kpi.SATISFACTION: ("Satisfaction rate", "满意率"),
    Kpi.ON_TIME_RESPOND: ("On-time rate: respond", "按时率(响应)"),
    Kpi.ON_TIME_ON_SITE: ("On-time rate: on site", "按时率(到场)"),
    Kpi.ON_TIME_FIX: ("On-time rate: fix", "按时率(修复)"),
    Kpi.ON_TIME_SIGNED_RECORD: ("On-time rate: signed record", "按时率(签字记录)"),
    Kpi.FIRST_VISIT_FIX: ("First-visit fix rate", "一次修复率"),
    Kpi.COMPLAINTS_PER_CUSTOMER: ("Complaint rate per customer", "客户投诉率"),
    Kpi.COMPLAINTS_PER_10000_T: ("Complaints per 10,000 t", "万吨投诉率"),
    Kpi.RETURN_RATE: ("Return rate", "退货率"),
    Kpi.OPEN_0_1_D: ("Open cases by age: 0-1 d", "未结案件账龄 0-1天"),
    Kpi.OPEN_1_7_D: ("Open cases by age: 1-7 d", "未结案件账龄 1-7天"),
    Kpi.OPEN_7_30_D: ("Open cases by age: 7-30 d", "未结案件账龄 7-30天"),
    Kpi.OPEN_OVER_30_D: ("Open cases by age: over 30 d", "未结案件账龄 30天以上"),
}
DIMENSION_LABELS: dict[Dimension, tuple[str, str]] = {
    Dimension.PRODUCT: ("Product", "产品"),
    Dimension.REGION: ("Region", "地区"),
    Dimension.DEPARTMENT: ("Department", "部门"),
    Dimension.ROOT_CAUSE: ("Root cause", "根本原因"),
    Dimension.MONTH: ("Month", "月份"),
}
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "kpi": ("KPI", "指标"),
    "numerator": ("Numerator", "分子"),
    "denominator": ("Denominator", "分母"),
    "rate": ("Rate", "比率"),
    "unit": ("Unit", "单位"),
    "none": ("(none)", "(无)"),
    "all": ("All", "全部"),
}
UNIT_LABELS: dict[str, tuple[str, str]] = {"%": ("%", "%"), "per 10,000 t": ("per 10,000 t", "每万吨")}


def kpi_unit(kpi: Kpi) -> str:
    return "per 10,000 t" if kpi is Kpi.COMPLAINTS_PER_10000_T else "%"


def label(labels: dict, key: object, language: Language) -> str:
    """The label of `key` in `language`."""
    en, zh_cn = labels[key]
    return str(zh_cn if language is Language.ZH_CN else en)


def report_lines(rows: Sequence[KpiRow], by: Dimension | None, language: Language) -> list[list[str]]:
    """The report as lines of text cells, the header first, in `language`: what the CSV export and the
    command line show. A rate that cannot be computed is an empty cell."""
    header = [label(COLUMN_LABELS, "kpi", language)]
    if by is not None:
        header.append(label(DIMENSION_LABELS, by, language))
    header += [
        label(COLUMN_LABELS, column, language) for column in ("numerator", "denominator", "rate", "unit")
    ]
    lines = [header]
    for row in rows:
        line = [label(KPI_LABELS, row.kpi, language)]
        if by is not None:
            line.append(row.group if row.group is not None else label(COLUMN_LABELS, "none", language))
        figures = (row.ratio.numerator, row.ratio.denominator)
        line += [f"{figure.normalize():f}" for figure in figures]
        line += [
            "" if row.ratio.rate is None else f"{row.ratio.rate:f}",
            label(UNIT_LABELS, kpi_unit(row.kpi), language),
        ]
        lines.append(line)
    return lines
