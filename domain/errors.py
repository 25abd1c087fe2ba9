class DomainError(Exception):
    """A business rule refused a command; the message says which rule, in the business's words."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CaseRuleViolation(DomainError):
    """A command is not allowed in the case's current state."""


class InvalidValue(DomainError):
    """A value is malformed or out of range for the business."""


def require_text(value: str, field: str, message: str | None = None) -> None:
    """Refuse a blank text: what a person must write (a reason, a name) needs more than spaces."""
    if not value or not value.strip():
        raise InvalidValue(message or f"{field} must not be blank", field=field)
