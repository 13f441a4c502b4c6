"""Workflow errors: each carries a Chinese message for the user and a stable code."""
from accounts.exceptions import NotAllowed, ServiceError

CONCURRENT_MESSAGE = "该信访件已被他人处理，请刷新后重试"


class TransitionNotAllowed(ServiceError):
    code = "transition_not_allowed"


class ConcurrentModification(ServiceError):
    code = "concurrent_modification"

    def __init__(self, message=CONCURRENT_MESSAGE, **kwargs):
        super().__init__(message, **kwargs)


__all__ = ["ConcurrentModification", "NotAllowed", "ServiceError", "TransitionNotAllowed"]
