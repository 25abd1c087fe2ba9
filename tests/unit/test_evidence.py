"""The rules of evidence: attaching files to a case, superseding them, and which files are accepted."""

from dataclasses import replace
from uuid import uuid4

import pytest

from domain.case import Status
from domain.errors import CaseRuleViolation, InvalidValue
from domain.evidence import (
    AttachmentNotFound,
    EvidenceKind,
    StoredFile,
    UnsupportedContent,
    accepted_content_type,
)
from tests.unit.given import (
    AGENT,
    LAB_REPORT,
    LATER,
    NOW,
    REGISTERED_AT,
    RESOLVED,
    acknowledged,
    attached,
    given,
    history,
    names,
    replay,
    superseded,
    when,
    withdrawn,
)

PHOTO = StoredFile("cd" * 32, 2_400_000, "image/jpeg", "IMG_0815.jpg")

# -- attaching -------------------------------------------------------------------------------------


def test_evidence_is_attached_by_the_hash_of_its_bytes() -> None:
    case = given(acknowledged())

    events = when(
        case, lambda c: c.attach_evidence(LAB_REPORT, EvidenceKind.LAB_REPORT, "CCIC", AGENT, LATER, NOW)
    )

    assert names(events) == ["EvidenceAttached"]
    [event] = events
    assert (event.sha256, event.size, event.content_type) == (LAB_REPORT.sha256, 52_000, "application/pdf")
    assert (event.kind, event.file_name, event.actor, event.occurred_at) == (
        EvidenceKind.LAB_REPORT,
        "CCIC report 0815.pdf",
        AGENT,
        LATER,
    )
    [attachment] = case.current_attachments()
    assert attachment.id == event.attachment_id
    assert case.state()["attachments"] == 1


def test_a_registered_case_takes_evidence_before_it_is_acknowledged() -> None:
    case = given()

    events = when(case, lambda c: c.attach_evidence(PHOTO, EvidenceKind.PHOTO, "", AGENT, LATER, NOW))

    assert names(events) == ["EvidenceAttached"]


@pytest.mark.parametrize("past", [RESOLVED, (withdrawn(),)], ids=["closed", "withdrawn"])
def test_a_finished_case_takes_no_evidence(past) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match="only reopening it is allowed"):
        case.attach_evidence(PHOTO, EvidenceKind.PHOTO, "", AGENT, LATER, NOW)


def test_the_same_bytes_are_attached_to_a_case_once_while_current() -> None:
    case = given(attached())

    with pytest.raises(CaseRuleViolation, match="already attached") as refused:
        case.attach_evidence(LAB_REPORT, EvidenceKind.OTHER, "again", AGENT, LATER, NOW)
    assert refused.value.field == "file"


def test_bytes_whose_attachment_was_superseded_may_be_attached_again() -> None:
    case = given(attached(), superseded())

    events = when(
        case, lambda c: c.attach_evidence(LAB_REPORT, EvidenceKind.LAB_REPORT, "", AGENT, LATER, NOW)
    )

    assert names(events) == ["EvidenceAttached"]


@pytest.mark.parametrize(
    ("file", "field", "error"),
    [
        (replace(PHOTO, sha256="CD" * 32), "sha256", InvalidValue),
        (replace(PHOTO, sha256="cd" * 31), "sha256", InvalidValue),
        (replace(PHOTO, size=0), "file", InvalidValue),
        (replace(PHOTO, file_name=" "), "file", InvalidValue),
        (replace(PHOTO, content_type="application/x-msdownload"), "file", UnsupportedContent),
    ],
    ids=["upper-case hash", "short hash", "empty file", "no name", "unaccepted type"],
)
def test_a_file_that_is_not_evidence_is_refused(file: StoredFile, field: str, error: type) -> None:
    case = given()

    with pytest.raises(error) as refused:
        case.attach_evidence(file, EvidenceKind.PHOTO, "", AGENT, LATER, NOW)
    assert refused.value.field == field


def test_evidence_is_not_attached_before_the_case_was_registered() -> None:
    case = given()

    with pytest.raises(InvalidValue, match="earlier than the case's registration"):
        case.attach_evidence(PHOTO, EvidenceKind.PHOTO, "", AGENT, REGISTERED_AT.replace(year=2025), NOW)


# -- superseding -----------------------------------------------------------------------------------


def test_superseded_evidence_stays_with_the_case_marked_and_with_its_replacement() -> None:
    case = given(attached(), attached(PHOTO, EvidenceKind.PHOTO))
    report, photo = (a.id for a in case.current_attachments())

    events = when(case, lambda c: c.supersede_evidence(report, photo, "Wrong shipment", AGENT, LATER, NOW))

    assert names(events) == ["EvidenceSuperseded"]
    assert (events[0].attachment_id, events[0].superseded_by, events[0].reason) == (
        report,
        photo,
        "Wrong shipment",
    )
    assert [a.id for a in case.current_attachments()] == [photo]
    assert case.attachment(report).superseded_by == photo
    assert case.attachment(report).superseded_at == LATER
    assert case.state()["attachments"] == 1


def test_only_a_current_attachment_is_superseded() -> None:
    case = given(attached(), superseded())
    [gone] = case.attachments

    with pytest.raises(CaseRuleViolation, match="already superseded"):
        case.supersede_evidence(gone, None, "Again", AGENT, LATER, NOW)


def test_superseding_needs_a_reason() -> None:
    case = given(attached())
    [current] = case.attachments

    with pytest.raises(InvalidValue, match="needs a reason") as refused:
        case.supersede_evidence(current, None, "  ", AGENT, LATER, NOW)
    assert refused.value.field == "reason"


def test_an_unknown_attachment_is_not_found() -> None:
    case = given(attached())

    with pytest.raises(AttachmentNotFound) as refused:
        case.supersede_evidence(uuid4(), None, "Wrong", AGENT, LATER, NOW)
    assert refused.value.field == "attachment_id"


@pytest.mark.parametrize("replacement", ["itself", "superseded", "unknown"])
def test_the_replacement_must_be_another_current_attachment(replacement: str) -> None:
    case = given(attached(PHOTO, EvidenceKind.PHOTO), superseded(), attached())
    old_photo, report = case.attachments
    by = {"itself": report, "superseded": old_photo, "unknown": uuid4()}[replacement]

    with pytest.raises(InvalidValue) as refused:
        case.supersede_evidence(report, by, "Wrong", AGENT, LATER, NOW)
    assert refused.value.field == "superseded_by"


def test_a_finished_case_keeps_its_evidence_as_it_was() -> None:
    case = given(attached(), withdrawn())
    [current] = case.attachments

    with pytest.raises(CaseRuleViolation):
        case.supersede_evidence(current, None, "Wrong", AGENT, LATER, NOW)
    assert case.status is Status.WITHDRAWN


def test_a_replay_rebuilds_current_and_superseded_evidence() -> None:
    original = history(attached(), superseded(), attached(PHOTO, EvidenceKind.PHOTO))

    rebuilt = replay(original.collect_events())

    assert rebuilt.attachments == original.attachments
    assert [a.is_current for a in rebuilt.attachments.values()] == [False, True]


# -- which files are accepted ----------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CSV = b"sample,Qnet_ar\nB-0815-01,5120\n"
TEXT = "Wägeschein 0815: 31,2 t netto".encode()


@pytest.mark.parametrize(
    ("declared", "head", "kept_as"),
    [
        ("image/jpeg", JPEG, "image/jpeg"),
        ("image/png", PNG, "image/png"),
        ("image/webp", WEBP, "image/webp"),
        ("video/mp4", MP4, "video/mp4"),
        ("video/quicktime", MOV, "video/quicktime"),
        ("Application/PDF", PDF, "application/pdf"),
        ("text/csv; charset=utf-8", CSV, "text/csv"),
        ("text/plain", TEXT, "text/plain"),
        ("text/plain", "Probe ä".encode()[:-1], "text/plain"),  # the sniffed head ends inside "ä"
    ],
)
def test_an_accepted_type_whose_bytes_match_is_kept_without_parameters(
    declared: str, head: bytes, kept_as: str
) -> None:
    assert accepted_content_type(declared, head) == kept_as


@pytest.mark.parametrize(
    ("declared", "head", "says"),
    [
        ("application/x-msdownload", b"MZ\x90\x00", "is not accepted"),
        ("", PDF, "no type is not accepted"),
        ("image/jpeg", PNG, "not image/jpeg"),
        ("application/pdf", b"MZ\x90\x00", "not application/pdf"),
        ("video/mp4", HEIC, "not video/mp4"),
        ("text/plain", JPEG, "not text/plain"),
        ("text/csv", b"a,b\x00c", "not text/csv"),
        ("image/png", b"", "not image/png"),
    ],
)
def test_a_type_not_kept_or_bytes_of_another_type_are_refused_naming_the_file(
    declared: str, head: bytes, says: str
) -> None:
    with pytest.raises(UnsupportedContent, match=says) as refused:
        accepted_content_type(declared, head)
    assert refused.value.field == "file"
