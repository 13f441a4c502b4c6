"""Password rules (等保: 复杂度要求): minimum length and at least N of the four character classes."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


class CharacterClassValidator:
    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = sum(1 for pattern in CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊符号中的至少%(n)d类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、特殊符号中的至少%(n)d类。") % {"n": self.min_classes}


class MinimumLengthValidator:
    """Django's length rule with a Chinese message (Django's own msgid for it changed in 5.x
    and has no zh_Hans translation yet)."""

    def __init__(self, min_length=10):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(_("密码长度至少为%(n)d位。") % {"n": self.min_length}, code="password_too_short")

    def get_help_text(self):
        return _("密码长度至少为%(n)d位。") % {"n": self.min_length}
