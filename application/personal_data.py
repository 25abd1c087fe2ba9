"""Personal data sealed per data subject in the stored events, so that destroying a key erases it.

Each value that names a person (a case's contact, a witness, who agreed to an agency, who signed) is
stored as its plain fields plus `{"subject_id": …, "sealed": …}`: the personal fields, as JSON, sealed
under the data subject's key (see `PersonalDataSealer`). The stored bytes, and so every hash and proof
over them, never change; once the subject's key is destroyed, the value reads back with each personal
field set to `ERASED`, so that replaying a history never fails.

Events recorded before sealing existed hold the value's fields in clear, without "sealed": they still
read back as they were, with `LEGACY_SUBJECT` as their data subject.
"""

import base64
import json
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoding

from application.ports import PersonalDataSealer
from domain.case_values import ERASED, Contact
from domain.inspection import Agreement, Sampling, Witness
from domain.repair import ServiceRecordSignature
from domain.settlement import SignedAgreement

# The data subject of a value recorded in clear before sealing: no key seals it, none can erase it.
LEGACY_SUBJECT = UUID(int=0)


@dataclass(frozen=True)
class PersonalFields:
    """Which fields of a value type are personal data, and which field names their data subject."""

    cls: type
    personal: tuple[str, ...]
    subject_field: str = "subject_id"


PERSONAL_DATA: tuple[PersonalFields, ...] = (
    PersonalFields(Contact, ("name", "phone", "email")),
    PersonalFields(Witness, ("name",)),
    PersonalFields(Sampling, ("sampled_by",), subject_field="sampler_subject_id"),
    PersonalFields(Agreement, ("agreed_by",)),
    PersonalFields(SignedAgreement, ("signer_name",)),
    PersonalFields(ServiceRecordSignature, ("signer_name",)),
)


class SealedPersonalData(Transcoding):
    """A value with personal fields: the others in clear, the personal ones sealed under its subject's key."""

    def __init__(self, shape: PersonalFields, sealer: PersonalDataSealer) -> None:
        self.shape = shape
        self.sealer = sealer
        self.type = shape.cls
        self.name = shape.cls.__name__

    def encode(self, obj: Any) -> dict[str, Any]:
        shape = self.shape
        subject_id: UUID = getattr(obj, shape.subject_field)
        personal = {name: getattr(obj, name) for name in shape.personal}
        sealed = self.sealer.seal(subject_id, json.dumps(personal, sort_keys=True).encode("utf-8"))
        clear = {f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in _hidden(shape)}
        return {**clear, "subject_id": str(subject_id), "sealed": base64.b64encode(sealed).decode("ascii")}

    def decode(self, data: dict[str, Any]) -> Any:
        shape = self.shape
        if "sealed" not in data:  # recorded in clear, before sealing
            return self.type(**_with_tuples({**data, shape.subject_field: LEGACY_SUBJECT}))
        clear = {k: v for k, v in data.items() if k not in ("subject_id", "sealed")}
        subject_id = UUID(data["subject_id"])
        opened = self.sealer.open(subject_id, base64.b64decode(data["sealed"]))
        # The key is gone: the value stays, its personal fields read as erased.
        personal = dict.fromkeys(shape.personal, ERASED) if opened is None else json.loads(opened)
        return self.type(**_with_tuples({**clear, **personal, shape.subject_field: subject_id}))


def _hidden(shape: PersonalFields) -> set[str]:
    # The subject's id is stored once, under "subject_id", whatever the value calls it.
    return {*shape.personal, shape.subject_field}


def _with_tuples(values: dict[str, Any]) -> dict[str, Any]:
    # JSON gives sequences back as lists; the value objects hold tuples (a sampling's sample ids).
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def personal_data_transcodings(sealer: PersonalDataSealer) -> list[Transcoding]:
    """One sealing transcoding for each value type that holds personal data."""
    return [SealedPersonalData(shape, sealer) for shape in PERSONAL_DATA]


class KeptSealed:
    """A sealer that opens nothing: what readers that must never see personal data decode with.

    The projections decode events with it: their read models hold no personal data, so they need no
    subject key, a rebuild costs no key lookup, and a projection could not copy a name into a read model
    even by mistake (every personal field reads as `ERASED`). It never encodes.
    """

    def seal(self, subject_id: UUID, plaintext: bytes) -> bytes:
        raise TypeError("a reader that keeps personal data sealed records nothing")

    def open(self, subject_id: UUID, sealed: bytes) -> bytes | None:
        return None
