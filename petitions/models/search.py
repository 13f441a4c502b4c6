"""Saved search criteria (信访查询, 办结存档): what a user typed, kept server-side under a random key."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.models.fields import EncryptedSealedField


class SavedSearch(models.Model):
    """The criteria of one posted search form. The results page is ``?s=<key>``, so names, ID
    numbers and phone numbers never reach an address, a browser history or an access log; the
    criteria themselves are stored encrypted (they are personal data too), belong to the user who
    typed them in that session and expire (``petitions.services.saved_search``)."""

    key = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_hash = models.CharField(max_length=64)  # SHA-256 of the session key: one login's searches
    criteria = EncryptedSealedField(_("查询条件"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("保存的查询")
        verbose_name_plural = _("保存的查询")
