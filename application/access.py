"""Who may read which case file, and the record of every read (a stub until access grants land)."""

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from application.errors import NotAllowed
from domain.actor import Role


class ReadKind(Enum):
    CASE = "case"
    CASE_AS_OF = "case_as_of"
    CASE_HISTORY = "case_history"
    CASE_LIST = "case_list"


@dataclass(frozen=True)
class Reader:
    user_id: str
    roles: frozenset[Role]
    request_id: str | None = None


class ReadAccess:
    def open(self, reader: Reader, what: ReadKind, case_ids: list[UUID]) -> None:
        if reader.roles <= {Role.STAFF}:
            raise NotAllowed(f"reading {what.value} needs an access grant")
