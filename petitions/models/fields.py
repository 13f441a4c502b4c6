"""Model fields of the petitions app."""
from django.core.exceptions import FieldError
from django.db import models

from petitions.lib import fieldcrypt

EQUALITY_LOOKUPS = frozenset({"exact", "in", "isnull"})


class EncryptedIdentityField(models.CharField):
    """A value stored with a deterministic token (``petitions.lib.fieldcrypt``), plaintext in
    Python: identity numbers and phone numbers, which are looked up by equality.

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


class EncryptedSealedField(models.TextField):
    """Text stored with a randomised token (``fieldcrypt.seal``), plaintext in Python; no lookup
    but ``isnull`` (equal values have different tokens), for data never searched (addresses)."""

    description = "Text, encrypted at rest with a random IV (SM4/SM3)"

    def from_db_value(self, value, expression, connection):
        return fieldcrypt.unseal(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or (isinstance(value, str) and value.startswith(fieldcrypt.SEALED_PREFIX)):
            return value
        return fieldcrypt.seal(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is stored encrypted with a random IV: it cannot be searched")
        return super().get_lookup(lookup_name)
