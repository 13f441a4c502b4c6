"""The one error protocol of the services.

A service that refuses raises ``ServiceError`` (or a subclass: ``TransitionNotAllowed``,
``ConcurrentModification``) with a Chinese message for the user and a stable ``code``; when the
refusal concerns input fields it names them: ``field="name"`` for one, ``errors={...}`` for
several (keys are field names, or ``"<formset prefix>.<row>.<field>"`` for a row of a formset).
``ServiceError`` is a Django ``ValidationError``, so a form shows it with
``accounts.forms.form_add_service_error`` and nothing else is needed.

A missing right is ``NotAllowed`` (a ``PermissionDenied``: 403 when a view lets it through).
"""
from django.core.exceptions import PermissionDenied, ValidationError


class ServiceError(ValidationError):
    """A business rule refused the operation; ``message`` is shown to the user as is."""

    code = "service_error"

    def __init__(self, message=None, *, code=None, field=None, errors=None):
        code = code or type(self).code
        if errors:
            super().__init__({key: [str(m) for m in (msgs if isinstance(msgs, (list, tuple)) else [msgs])]
                              for key, msgs in errors.items()})
        elif field:
            super().__init__({field: [str(message)]})
        else:
            super().__init__(str(message), code=code)
        self.code = code
        self.field = field
        self.message = str(message) if message is not None else self.messages[0]

    def __str__(self):
        return self.message


class NotAllowed(PermissionDenied):
    """The actor lacks the permission for this operation."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message
