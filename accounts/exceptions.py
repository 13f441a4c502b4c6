"""Exceptions with a user-facing Chinese message and a stable code."""
from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user as is."""

    code = "service_error"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field


class NotAllowed(PermissionDenied):
    """The actor lacks the permission for this operation."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message
