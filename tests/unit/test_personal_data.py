"""Personal data is stored sealed under its data subject's key, reads back while the key exists, reads as
erased once it is destroyed, and events recorded in clear before sealing still read back."""

import json
import os
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex

from application.errors import SubjectErased
from application.personal_data import LEGACY_SUBJECT, PERSONAL_DATA
from application.transcodings import register_domain_transcodings
from domain.case import Contact
from domain.case_values import ERASED
from domain.inspection import Agreement, Party, Witness
from domain.repair import ServiceRecordSignature
from domain.settlement import SignedAgreement
from infra.subject_keys import SubjectSealer, seal
from tests.unit.given import register
from tests.unit.inspection_story import joint_sampling

SIGNED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DOCUMENT = UUID("3f1c2a4b-5d6e-4f70-8192-a3b4c5d6e7f8")
SHA = "ab" * 32


class MemoryKeys:
    """`SubjectKeys` in a dict: enough to seal and shred without a database."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes | None] = {}

    def key_for(self, subject_id: UUID) -> bytes | None:
        return self.keys.get(subject_id)

    def ensure(self, subject_id: UUID, case_id: UUID) -> bytes:
        key = self.keys.setdefault(subject_id, os.urandom(32))
        if key is None:
            raise SubjectErased(f"{subject_id} was erased")
        return key

    def cases_of(self, subject_id: UUID) -> list[UUID]:
        return []

    def destroy(self, subject_id: UUID) -> bool:
        destroyed = self.keys.get(subject_id) is not None
        self.keys[subject_id] = None
        return destroyed


def sealing_transcoder(keys: MemoryKeys) -> JSONTranscoder:
    built = JSONTranscoder()
    for library_transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        built.register(library_transcoding)
    register_domain_transcodings(built, SubjectSealer(keys))
    return built


# Each value type that holds personal data, with the personal text it holds.
VALUES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "contact": (Contact("Wang Lei", "+86 138 0013 8000", "wang.lei@example.cn"), ("Wang Lei", "0013 8000")),
    "witness": (Witness(Party.CUSTOMER, "Zhao Hui", "Jiangsu Huadian Power"), ("Zhao Hui",)),
    "sampling": (joint_sampling(), ("Li Ming", "Zhao Hui", "Sun Qiang")),
    "agreement": (Agreement(Party.SUPPLIER, "Qian Wei", SIGNED_AT), ("Qian Wei",)),
    "signed agreement": (
        SignedAgreement("Zhou Min", "purchasing manager", SIGNED_AT, DOCUMENT, SHA),
        ("Zhou Min",),
    ),
    "service record signature": (
        ServiceRecordSignature("Yang Bo", SIGNED_AT, DOCUMENT, SHA),
        ("Yang Bo",),
    ),
}


def subjects_of(value: Any) -> list[UUID]:
    """Every data subject a value names, its witnesses' too."""
    own = [getattr(value, shape.subject_field) for shape in PERSONAL_DATA if isinstance(value, shape.cls)]
    return own + [witness.subject_id for witness in getattr(value, "witnesses", ())]


def keys_for(value: Any) -> MemoryKeys:
    keys = MemoryKeys()
    for subject_id in subjects_of(value):
        keys.ensure(subject_id, uuid4())
    return keys


@pytest.mark.parametrize(("value", "personal"), VALUES.values(), ids=VALUES.keys())
def test_personal_data_is_stored_sealed_and_reads_back_while_the_key_exists(value, personal):
    transcoder = sealing_transcoder(keys_for(value))

    stored = transcoder.encode(value)

    for text in personal:
        assert text.encode() not in stored
    assert str(subjects_of(value)[0]).encode() in stored  # compliance finds whose data it is
    assert transcoder.decode(stored) == value


@pytest.mark.parametrize(("value", "personal"), VALUES.values(), ids=VALUES.keys())
def test_once_the_key_is_destroyed_the_personal_fields_read_as_erased_and_the_rest_as_it_was(value, personal):
    keys = keys_for(value)
    transcoder = sealing_transcoder(keys)
    stored = transcoder.encode(value)

    for subject_id in subjects_of(value):
        keys.destroy(subject_id)
    erased = transcoder.decode(stored)

    assert type(erased) is type(value)
    assert subjects_of(erased) == subjects_of(value)
    shape = next(shape for shape in PERSONAL_DATA if isinstance(value, shape.cls))
    for field in fields(value):
        expected = ERASED if field.name in shape.personal else getattr(value, field.name)
        if field.name == "witnesses":
            expected = tuple(replace(w, name=ERASED) for w in value.witnesses)
        assert getattr(erased, field.name) == expected, field.name


def test_a_case_event_stores_its_contact_sealed_and_replays_to_erased_after_shredding():
    case = register()
    contact = case.contact
    keys = keys_for(contact)
    mapper = Mapper(transcoder=sealing_transcoder(keys))
    [registered] = case.collect_events()

    stored = mapper.to_stored_event(registered)
    assert b"Wang Lei" not in stored.state and b"0000 0042" not in stored.state
    assert mapper.to_domain_event(stored).mutate(None).contact == contact

    keys.destroy(contact.subject_id)
    replayed = mapper.to_domain_event(stored).mutate(None)
    assert (replayed.contact.name, replayed.contact.phone, replayed.contact.email) == (ERASED,) * 3
    assert replayed.contact.subject_id == contact.subject_id
    assert replayed.number == case.number  # the rest of the history is untouched


def test_recording_the_data_of_a_subject_without_a_key_is_refused():
    transcoder = sealing_transcoder(MemoryKeys())

    with pytest.raises(SubjectErased):
        transcoder.encode(Contact("Wang Lei", "+86 138 0013 8000"))


def test_values_recorded_in_clear_before_sealing_still_read_back():
    transcoder = sealing_transcoder(MemoryKeys())
    witness = {"party": "customer", "name": "Zhao Hui", "organisation": "Jiangsu Huadian Power"}
    legacy = {
        "_type_": "Sampling",
        "_data_": {
            "sampled_by": "Li Ming",
            "place": "track 3",
            "sampled_at": {"_type_": "datetime_iso", "_data_": SIGNED_AT.isoformat()},
            "method_standard": "GB/T 475",
            "sample_ids": ["S-1"],
            "seal_numbers": ["SEAL-1"],
            "witnesses": [
                {
                    "_type_": "Witness",
                    "_data_": {**witness, "party": {"_type_": "Party", "_data_": "customer"}},
                }
            ],
            "is_joint": False,
            "sampling_party": {"_type_": "Party", "_data_": "customer"},
            "other_party_consented": True,
        },
    }
    contact = {"_type_": "Contact", "_data_": {"name": "Wang Lei", "phone": "+86 138 0000 0042", "email": ""}}

    sampling = transcoder.decode(json.dumps(legacy).encode())
    assert transcoder.decode(json.dumps(contact).encode()) == Contact(
        "Wang Lei", "+86 138 0000 0042", "", LEGACY_SUBJECT
    )

    assert sampling.sampled_by == "Li Ming" and sampling.sampler_subject_id == LEGACY_SUBJECT
    assert sampling.sample_ids == ("S-1",)
    assert sampling.witnesses == (
        Witness(Party.CUSTOMER, "Zhao Hui", "Jiangsu Huadian Power", LEGACY_SUBJECT),
    )


def test_sealed_bytes_moved_to_another_subject_do_not_open():
    keys = MemoryKeys()
    first, second = uuid4(), uuid4()
    keys.keys[first] = keys.keys[second] = bytes(32)  # even the same key: the subject id is bound in
    sealed = seal(bytes(32), first, b'{"name": "Wang Lei"}')

    assert SubjectSealer(keys).open(first, sealed) == b'{"name": "Wang Lei"}'
    with pytest.raises(InvalidTag):
        SubjectSealer(keys).open(second, sealed)
