"""Model fields of the petitions app."""
from django.core.exceptions import FieldError
from django.db import models

from petitions.lib import fieldcrypt

EQUALITY_LOOKUPS = frozenset({"exact", "in", "isnull"})


class EncryptedIdentityField(models.CharField):
    """An identity number stored encrypted (``petitions.lib.fieldcrypt``), plaintext in Python.

    Equality lookups work on the stored token (the encryption is deterministic); any other
    lookup (prefix, contains, ordering by value) would silently compare ciphertext, so it is
    refused with an error instead.
    """

    description = "Identity number, encrypted at rest (SM4/SM3)"

    def from_db_value(self, value, expression, connection):
        return fieldcrypt.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or (isinstance(value, str) and value.startswith(fieldcrypt.PREFIX)):
            return value
        return fieldcrypt.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in EQUALITY_LOOKUPS:
            raise FieldError(f"{self.name} is stored encrypted: only exact, in and isnull lookups are possible")
        return super().get_lookup(lookup_name)
