"""How domain values are written into stored events, and read back, by the JSON transcoder."""

from dataclasses import fields
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.access import ReadKind, Refusal
from domain.actor import Actor, Role
from domain.case import CaseType, Channel, Contact, Customer, Outcome, ResolutionKind, Severity
from domain.money import Money


class EnumAsValue(Transcoding):
    def __init__(self, enum_type: type[Enum]) -> None:
        self.type = enum_type
        self.name = enum_type.__name__

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A frozen dataclass whose fields are themselves transcodable."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


ENUMS: tuple[type[Enum], ...] = (
    Role,
    CaseType,
    Channel,
    Severity,
    ResolutionKind,
    Outcome,
    ReadKind,
    Refusal,
)
VALUE_OBJECTS: tuple[type, ...] = (Actor, Money, Customer, Contact)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    for enum_type in ENUMS:
        transcoder.register(EnumAsValue(enum_type))
    for cls in VALUE_OBJECTS:
        transcoder.register(DataclassAsDict(cls))
