from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    SERVICE_AGENT = "service_agent"
    ENGINEER = "engineer"
    QC_INSPECTOR = "qc_inspector"
    MANAGER = "manager"
    AUDITOR = "auditor"
    COMPLIANCE = "compliance"
    ADMIN = "admin"
    # Someone outside the after-sales department; reads a case only under an approved access grant.
    STAFF = "staff"
    # The supervision function: verifies complaints about staff, records accountability and the apology.
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Actor:
    """Who did something, and in which role they acted."""

    user_id: str
    role: Role
