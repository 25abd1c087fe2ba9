"""The evidence bundle's human-readable case report, in English and Chinese (zh-CN), as HTML.

Drawn from the replay of the case's events and the events of its other streams as the export states
them. It names no personal data: the contact person is not shown, and of the other streams' events only
what happened, when and by whom (staff ids and roles) is listed, never their texts, where witnesses'
and signers' names are written. The events themselves, sealed, are in the bundle.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any
from uuid import UUID

from application.evidence_bundles import CaseFile
from domain.kpi_labels import Language, label
from domain.liability import Liability
from domain.liability_determination import LiabilityDetermination
from domain.money import Money
from domain.settlement import Settlement

REPORT_FILES = {Language.EN: "case-report.en.html", Language.ZH_CN: "case-report.zh-CN.html"}

# (en, zh-CN) for every heading and field label of the report.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("Case report", "案件报告"),
    "export": ("This export", "本次导出"),
    "bundle_id": ("Bundle id", "证据包编号"),
    "case_id": ("Case id", "案件标识"),
    "case_number": ("Case number", "案件编号"),
    "exported_by": ("Exported by", "导出人"),
    "exported_at": ("Exported at (UTC)", "导出时间(UTC)"),
    "purpose": ("Purpose", "用途"),
    "legal_matter": ("Legal matter", "法律事项"),
    "head_version": ("Case version before the export", "导出前案件版本"),
    "case": ("The case at the export", "导出时的案件"),
    "contact": ("Contact person", "联系人"),
    "personal_data": ("personal data, not in the report", "个人信息,不在报告中显示"),
    "timeline": ("Timeline of the case", "案件时间线"),
    "version": ("Version", "版本"),
    "event": ("Event", "事件"),
    "occurred_at": ("Occurred (UTC)", "发生时间(UTC)"),
    "recorded_at": ("Recorded (UTC)", "记录时间(UTC)"),
    "actor": ("By", "操作人"),
    "changes": ("What changed", "变更内容"),
    "field": ("Field", "字段"),
    "value": ("Value", "值"),
    "none": ("none", "无"),
    "stream": ("Stream", "事件流"),
    "evidence": ("Evidence", "证据"),
    "proposal": ("Proposal", "方案"),
    "status": ("Status", "状态"),
    "shares": ("Shares of liability", "责任比例"),
    "root_cause": ("Root cause", "根本原因"),
    "amount": ("Amount", "金额"),
    "kind": ("Kind", "类型"),
    "bundle_file": ("File in the bundle (named by its SHA-256)", "证据包内文件(以SHA-256命名)"),
    "size": ("Bytes", "字节数"),
    "content_type": ("Media type", "文件类型"),
    "description": ("Description", "说明"),
    "attached_at": ("Attached (UTC)", "提交时间(UTC)"),
    "superseded_at": ("Superseded (UTC)", "被替代时间(UTC)"),
    "verify": (
        "Every event of this report is in the bundle under data/events/, with its proof; see data/guide/.",
        "本报告所列每一事件均收录于证据包 data/events/ 目录,并附有证明;核验方法见 data/guide/。",
    ),
    "Inspection": ("Inspections", "检验"),
    "LiabilityDetermination": ("Liability determination", "责任认定"),
    "Settlement": ("Settlement", "和解"),
    "CorrectiveAction": ("Corrective actions", "纠正和预防措施"),
    "ReturnRequest": ("Returns and exchanges", "退换货"),
    "Repair": ("Repair", "维修"),
    "FollowUp": ("Follow-up", "回访"),
    "ComplaintReview": ("Complaint review", "投诉复核"),
}
# The other streams' sections, in the order the report shows them.
SECTIONS = (
    "Inspection",
    "LiabilityDetermination",
    "Settlement",
    "CorrectiveAction",
    "ReturnRequest",
    "Repair",
    "FollowUp",
    "ComplaintReview",
)

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eee}"
)


def case_reports(case_file: CaseFile) -> dict[str, str]:
    """The report in each language, by its file name in the bundle's `data/report/`."""
    return {name: render(case_file, language) for language, name in REPORT_FILES.items()}


def render(case_file: CaseFile, language: Language) -> str:
    def text(key: str) -> str:
        return escape(label(LABELS, key, language))

    export = case_file.export
    parts = [
        f'<!DOCTYPE html>\n<html lang="{language.value}"><head><meta charset="utf-8">',
        f"<title>{text('title')} {escape(export.case_number)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{text('title')} {escape(export.case_number)}</h1>",
        f"<p>{text('verify')}</p>",
        _export_section(case_file, text),
        _case_section(case_file, text),
        _timeline_section(case_file, text),
        _evidence_section(case_file, text),
        *_stream_sections(case_file.related, text),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _export_section(case_file: CaseFile, text: Callable[[str], str]) -> str:
    export = case_file.export
    rows = {
        "bundle_id": str(export.bundle_id),
        "case_id": str(export.case_id),
        "case_number": export.case_number,
        "exported_by": _actor(export.exported_by),
        "exported_at": _time(export.exported_at),
        "purpose": export.purpose,
        "legal_matter": export.legal_matter,
        "head_version": str(export.head_version),
    }
    return f"<h2>{text('export')}</h2>" + _pairs([(text(k), escape(v)) for k, v in rows.items()])


def _case_section(case_file: CaseFile, text: Callable[[str], str]) -> str:
    state = case_file.timeline[-1].state if case_file.timeline else {}
    pairs = [(escape(field), escape(_shown(value))) for field, value in state.items()]
    pairs.append((text("contact"), f"({text('personal_data')})"))
    return f"<h2>{text('case')}</h2>" + _pairs(pairs)


def _timeline_section(case_file: CaseFile, text: Callable[[str], str]) -> str:
    head = ("version", "event", "occurred_at", "recorded_at", "actor", "changes")
    rows = []
    for step in case_file.timeline:
        changes = "<br>".join(
            f"{escape(c.field)}: {escape(_shown(c.before))} → {escape(_shown(c.after))}" for c in step.changes
        )
        rows.append([escape(str(step.event.originator_version)), *_event_cells(step.event), changes])
    return f"<h2>{text('timeline')}</h2>" + _table([text(k) for k in head], rows)


def _evidence_section(case_file: CaseFile, text: Callable[[str], str]) -> str:
    # The uploader's file name is left out: it may name a person.
    head = (
        "kind",
        "bundle_file",
        "size",
        "content_type",
        "description",
        "actor",
        "attached_at",
        "superseded_at",
    )
    rows = [
        [
            escape(a.kind.value),
            escape(f"data/attachments/{a.file.sha256}"),
            escape(str(a.file.size)),
            escape(a.file.content_type),
            escape(a.description),
            escape(_actor(a.attached_by)),
            escape(_time(a.attached_at)),
            escape(_time(a.superseded_at)),
        ]
        for a in case_file.attachments
    ]
    return f"<h2>{text('evidence')}</h2>" + _table([text(k) for k in head], rows)


def _stream_sections(related: dict[UUID, list[Any]], text: Callable[[str], str]) -> list[str]:
    by_kind: dict[str, list[tuple[UUID, list[Any]]]] = {}
    for stream_id, events in related.items():
        if events:
            by_kind.setdefault(_kind(events[0]), []).append((stream_id, events))
    kinds = [k for k in SECTIONS if k in by_kind] + sorted(k for k in by_kind if k not in SECTIONS)
    head = [text(k) for k in ("version", "event", "occurred_at", "recorded_at", "actor")]
    sections = []
    for kind in kinds:
        title = text(kind) if kind in LABELS else escape(kind)
        sections.append(f"<h2>{title}</h2>")
        for stream_id, events in by_kind[kind]:
            rows = [[escape(str(e.originator_version)), *_event_cells(e)] for e in events]
            sections.append(f"<h3>{text('stream')} {escape(str(stream_id))}</h3>" + _table(head, rows))
            sections.append(_proposals(_replayed(events), text))
    return sections


def _replayed(events: list[Any]) -> Any:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _proposals(aggregate: Any, text: Callable[[str], str]) -> str:
    """What a liability determination or a settlement decided: its proposals and what became of them.

    The signed agreement is left out: it names the customer's signer.
    """
    head: tuple[str, ...]
    if isinstance(aggregate, LiabilityDetermination):
        rows = [
            [str(p.number), p.status.value, _shares(p.liability), p.liability.root_cause.value]
            for p in aggregate.proposals.values()
        ]
        head = ("proposal", "status", "shares", "root_cause")
    elif isinstance(aggregate, Settlement):
        rows = [
            [str(p.number), p.status.value, p.offer.kind.value, _money(p.offer.amount), p.offer.description]
            for p in aggregate.proposals.values()
        ]
        head = ("proposal", "status", "kind", "amount", "description")
    else:
        return ""
    return _table([text(k) for k in head], [[escape(cell) for cell in row] for row in rows])


def _money(amount: Money | None) -> str:
    return f"{amount.amount} {amount.currency}" if amount is not None else "—"


def _shares(liability: Liability) -> str:
    return ", ".join(f"{share.party.value} {share.percent}%" for share in liability.shares)


def _event_cells(event: Any) -> list[str]:
    actor = getattr(event, "actor", None)
    return [
        escape(type(event).__name__),
        escape(_time(getattr(event, "occurred_at", None))),
        escape(_time(getattr(event, "timestamp", None))),
        escape(_actor(actor) if actor is not None else ""),
    ]


def _kind(event: Any) -> str:
    # Events are classes nested in their aggregate: `Inspection.Opened` is an inspection's.
    return type(event).__qualname__.split(".")[0]


def _actor(actor: Any) -> str:
    return f"{actor.user_id} ({actor.role.value})"


def _time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if isinstance(moment, datetime) else ""


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return str(value)


def _pairs(pairs: list[tuple[str, str]]) -> str:
    """A two-column table of already escaped label and value."""
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in pairs)
    return f"<table>{rows}</table>"


def _table(head: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells."""
    header = "".join(f"<th>{cell}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"
