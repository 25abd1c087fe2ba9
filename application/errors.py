class ApplicationError(Exception):
    """A command was refused before or around the domain; the API maps each kind to one status."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CaseNotFound(ApplicationError):
    pass


class NotAllowed(ApplicationError):
    """The actor's roles do not permit the command."""


class VersionConflict(ApplicationError):
    """The client's expected version is stale, or another command won the race."""


class IdempotencyKeyReused(ApplicationError):
    """The same idempotency key came back with a different request."""


class AccessGrantNotFound(ApplicationError):
    pass


class EvidenceTooLarge(ApplicationError):
    """An uploaded file is larger than the configured limit."""


class EvidenceUnreadable(ApplicationError):
    """An attachment's stored bytes are missing or no longer hash to the SHA-256 its event recorded."""


class ContractNotFound(ApplicationError):
    pass


class ShipmentNotFound(ApplicationError):
    pass


class AlreadyRecorded(ApplicationError):
    """A contract number or shipment reference that is recorded already: its stream exists."""


class InspectionNotFound(ApplicationError):
    pass


class LiabilityNotDetermined(ApplicationError):
    """The case has no liability determination yet: nothing was proposed."""


class SettlementNotProposed(ApplicationError):
    """The case has no settlement yet: nothing was proposed."""


class CorrectiveActionNotFound(ApplicationError):
    pass


class UnitNotFound(ApplicationError):
    """No installed unit with this id or serial number."""


class ServicePolicyNotFound(ApplicationError):
    """No service policy is registered for this contract number (the default commitments apply)."""


class RepairNotOpened(ApplicationError):
    """The equipment-fault case has no repair yet: none was opened."""


class ReturnNotFound(ApplicationError):
    pass


class FollowUpNotStarted(ApplicationError):
    """The closed case has no follow-up stream yet: nothing was recorded."""


class ComplaintNotReviewed(ApplicationError):
    """The service complaint has no review yet: it was not verified."""


class FeedbackLinkNotFound(ApplicationError):
    """No feedback link has this token."""


class FeedbackLinkSpent(ApplicationError):
    """The feedback link was used already, or it expired."""


class SubjectErased(ApplicationError):
    """The data subject's key was destroyed: their personal data cannot be recorded or read again."""


class DataSubjectNotFound(ApplicationError):
    """No case holds personal data of this data subject."""


class ErasureNotRequested(ApplicationError):
    """Nobody requested the erasure of this data subject yet."""


class SubjectUnderLegalHold(ApplicationError):
    """A case holding the data subject's personal data is under legal hold: nothing of it may be erased."""

    def __init__(self, case_numbers: list[str]) -> None:
        listed = ", ".join(case_numbers)
        super().__init__(
            f"the data subject's personal data is held in case(s) under legal hold: {listed}; "
            "erasure waits until the hold is lifted",
            field="subject_id",
        )
        self.case_numbers = case_numbers
