"""What the intranet keeps of the crossing to the internet-side portal (docs/architecture.md §7.2)."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import CaseDocument
from petitions.models import Case


class PackageDirection(models.TextChoices):
    IN = "in", _("接收")
    OUT = "out", _("发送")


class PackageStatus(models.TextChoices):
    WRITTEN = "written", _("已写出")
    APPLIED = "applied", _("已导入")
    DUPLICATE = "duplicate", _("重复，未再导入")
    REFUSED = "refused", _("已拒收")


class PortalPackage(models.Model):
    """One package received from the portal or written for it.

    An outbound package is ``acked_at`` once the portal reports it received; one still unconfirmed
    after PORTAL_TRANSFER_RESEND_MINUTES is ``requeued``: what it carried goes again in the next. One
    the portal reports refused becomes ``refused`` with the portal's ``code`` and ``reason`` (and
    ``acked_at``: it is answered, nothing more is waited for). An inbound package keeps the code of its
    refusal here, and ``settled``: the number up to which the portal said it needs no more word of its
    own packages (docs/architecture.md §7.2, acknowledgments)."""

    direction = models.CharField(max_length=3, choices=PackageDirection.choices)
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=PackageStatus.choices)
    reason = models.TextField(blank=True)
    code = models.CharField(max_length=50, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acked_at = models.DateTimeField(null=True, blank=True)
    requeued = models.BooleanField(default=False)
    settled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("网闸数据包")
        verbose_name_plural = _("网闸数据包")
        indexes = [models.Index(fields=["direction", "seq"], name="portalpackage_seq")]

    def __str__(self):
        return self.name


class ItemOutcome(models.TextChoices):
    APPLIED = "applied", _("已办理")
    REFUSED = "refused", _("未能办理")


class PortalItem(models.Model):
    """A request of the portal applied (or refused) here, once: the key of idempotence (``uid``).

    Its answer travels back in the next outbound package (``ack_seq``; cleared when that package
    is re-queued, or refused by the portal and the request comes again; ``WITHHELD`` (0) when the
    answer alone cannot fit a package, reported once). For a new petition the answer holds the number
    and query code sealed under the key the portal sent (``sealed_receipt``)."""

    WITHHELD = 0

    uid = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=12)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=ItemOutcome.choices)
    code = models.CharField(max_length=50, blank=True)
    message = models.TextField(blank=True)
    made_at = models.DateTimeField(null=True, blank=True)  # when the petitioner made it on the portal
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    package_seq = models.PositiveIntegerField()
    imported_at = models.DateTimeField(default=timezone.now)
    sealed_receipt = models.BinaryField(null=True, blank=True)
    ack_seq = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("网上请求导入记录")
        verbose_name_plural = _("网上请求导入记录")

    def __str__(self):
        return self.uid


class PortalMirrorState(models.Model):
    """What the portal holds of a case: the salt and key its sheet is sealed under (derived from the
    query code once, ``code_digest`` tells when the code changed), the fingerprint of the sheet last
    sent, in which package, and its version ``event_mark`` (the case's last trail event when the sheet
    was made: the portal never replaces a sheet with one of a lower mark). ``dirty``: to be looked at
    again in the next package (an event, a window that closes by the calendar on ``recheck_on``, a
    package that never arrived, or documents that did not fit the last one)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+")
    salt = models.BinaryField(null=True, blank=True)
    key = models.BinaryField(null=True, blank=True)
    kdf = models.JSONField(default=dict, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    dirty = models.BooleanField(default=True)
    event_mark = models.BigIntegerField(default=0)
    sent_seq = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    recheck_on = models.DateField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("信访件公开信息同步状态")
        verbose_name_plural = _("信访件公开信息同步状态")
        indexes = [models.Index(fields=["dirty", "case"], name="portalmirror_dirty")]

    def __str__(self):
        return str(self.case_id)


class PortalDocumentSent(models.Model):
    """A document addressed to the petitioner that went to the portal (documents never change: each
    is sent once, again only if its package is re-queued). ``sent_seq`` 0 (``WITHHELD``): too large to
    cross alone, reported once (``portal.export_withheld``) and not tried again unless the case's key
    changes."""

    WITHHELD = 0

    document = models.OneToOneField(CaseDocument, on_delete=models.CASCADE, related_name="+")
    sent_seq = models.PositiveIntegerField(db_index=True)

    class Meta:
        verbose_name = _("已发送的文书")
        verbose_name_plural = _("已发送的文书")

    def __str__(self):
        return str(self.document_id)


class PortalLink(models.Model):
    """The one row of the link's state: how far the trail has been looked at (``event_watermark``,
    the last ``CaseEvent`` id), the reference lists last sent, and what the portal has confirmed
    receiving (all packages up to ``peer_through`` and the ``[first, last]`` ranges in ``peer_also``)."""

    event_watermark = models.BigIntegerField(default=0)
    reference_fingerprint = models.CharField(max_length=64, blank=True)
    reference_seq = models.PositiveIntegerField(null=True, blank=True)
    peer_through = models.PositiveIntegerField(default=0)
    peer_also = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("网闸链路状态")
        verbose_name_plural = _("网闸链路状态")

    def __str__(self):
        return "portal link"
