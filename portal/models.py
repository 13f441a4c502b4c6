"""Rate-limit records of the public portal (群众端): one row per counted action of a client address."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAttemptKind(models.TextChoices):
    SUBMIT = "submit", _("网上信访")
    TRACK = "track", _("查询")


class PortalAttempt(models.Model):
    """A counted portal action: an online petition registered, or a tracking look-up that failed.

    Kept in the database (not in process memory) so that the limits hold across gunicorn workers,
    as the login lockout's ``LoginAttempt`` does. Rows of an address older than its window are
    removed when the address is counted again (``portal.throttle``)."""

    kind = models.CharField(max_length=10, choices=PortalAttemptKind.choices)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("网上信访限流记录")
        verbose_name_plural = _("网上信访限流记录")
        indexes = [models.Index(fields=["ip_address", "kind", "created_at"], name="portalattempt_ip_kind_time")]

    def __str__(self):
        return f"{self.kind} {self.ip_address} {self.created_at:%Y-%m-%d %H:%M}"


class PortalChallengeUse(models.Model):
    """A proof-of-work challenge of the portal already answered (``portal.captcha``).

    Keyed on the challenge hash (which the server's signature covers), unique, so that one solution
    registers at most one post across every gunicorn worker. A row is of use only until its
    challenge expires: older rows are deleted at the next check."""

    challenge = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("已使用的人机校验")
        verbose_name_plural = _("已使用的人机校验")

    def __str__(self):
        return self.challenge


# --- the internet side across the network gap (docs/architecture.md §7.2) -------------------------
#
# Used only where the portal runs apart from the intranet (settings PORTAL_BACKEND = the mirror
# backend, config/settings/portal.py). In the single-database setup these tables exist and stay empty.
# None of them refers to a staff model: the internet-side deployment installs no staff app.

# The models of the internet side (tests route them to a database of their own: tests/portal/gap.py).
INTERNET_SIDE_MODELS = frozenset({"outboxitem", "mirrorcase", "mirrordocument", "mirrorreply", "mirrorentry",
                                  "transferpackage"})


class OutboxKind(models.TextChoices):
    SUBMISSION = "submission", _("网上信访")
    EVALUATION = "evaluation", _("满意度评价")
    REVIEW = "review", _("复查（复核）申请")
    DOWNLOAD = "download", _("文书下载")


class OutboxOutcome(models.TextChoices):
    APPLIED = "applied", _("已办理")
    REFUSED = "refused", _("未能办理")


class OutboxItem(models.Model):
    """A request made on the internet side for the intranet: a new online petition, an evaluation, a
    复查/复核 request, or the first download of a document (its online delivery).

    Sent in every package until the intranet answers it (``answered_at``; after
    PORTAL_TRANSFER_RESEND_MINUTES without an answer it goes again: the intranet applies each ``uid``
    once). The answer erases ``data`` (the petitioner's personal data leaves the internet side once
    the intranet holds it) and, for a petition, keeps the number and query code sealed under the
    receipt code (``sealed_receipt``, ``portal.sealing``)."""

    uid = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=12, choices=OutboxKind.choices)
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    proof = models.CharField(max_length=64, blank=True)
    receipt_lookup = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_seq = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=OutboxOutcome.choices, blank=True)
    outcome_message = models.TextField(blank=True)
    sealed_receipt = models.BinaryField(null=True, blank=True)

    class Meta:
        verbose_name = _("待传送的网上请求")
        verbose_name_plural = _("待传送的网上请求")
        indexes = [models.Index(fields=["answered_at", "sent_at"], name="outboxitem_pending")]

    def __str__(self):
        return f"{self.kind} {self.uid}"


class MirrorCase(models.Model):
    """A case's public sheet as the intranet last sent it, sealed under its query code: readable only
    by whoever types the code (``portal.sealing``). ``event_mark`` (the case's last trail event on the
    intranet when the sheet was made) and then ``seq`` (the package) order the versions, so a package
    that arrives late never replaces a newer sheet."""

    number = models.CharField(max_length=40, unique=True)
    salt = models.BinaryField()
    kdf = models.JSONField()
    sealed = models.BinaryField()
    event_mark = models.BigIntegerField(default=0)
    seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("信访件公开信息（镜像）")
        verbose_name_plural = _("信访件公开信息（镜像）")

    def __str__(self):
        return self.number


class MirrorDocument(models.Model):
    """A document issued to the petitioner, as frozen on the intranet, sealed under the case's key."""

    case = models.ForeignKey(MirrorCase, on_delete=models.CASCADE, related_name="documents")
    document_id = models.BigIntegerField()
    sealed = models.BinaryField()

    class Meta:
        verbose_name = _("送达信访人的文书（镜像）")
        verbose_name_plural = _("送达信访人的文书（镜像）")
        constraints = [models.UniqueConstraint(fields=["case", "document_id"], name="mirrordocument_unique")]

    def __str__(self):
        return f"{self.case_id}:{self.document_id}"


class MirrorReply(models.Model):
    """A published reply (公开答复): public by definition, kept in clear for the replies page."""

    number = models.CharField(max_length=40, unique=True)
    published_at = models.DateTimeField()
    bureau_name = models.CharField(max_length=100)
    problem = models.CharField(max_length=200, blank=True)
    text = models.TextField()

    class Meta:
        verbose_name = _("公开答复（镜像）")
        verbose_name_plural = _("公开答复（镜像）")
        indexes = [models.Index(fields=["-published_at", "-id"], name="mirrorreply_newest")]

    def __str__(self):
        return self.number


class MirrorEntryKind(models.TextChoices):
    BUREAU = "bureau", _("受理机构")
    PURPOSE = "purpose", _("信访目的")
    PROBLEM = "problem", _("所属问题")
    SATISFACTION = "satisfaction", _("满意度")


class MirrorEntry(models.Model):
    """The lists of the portal's forms as the intranet last sent them: the bureaus a citizen may write
    to, 信访目的, 所属问题 and the values of an evaluation (code, label, order; labels of evaluation
    values are message ids, translated when shown)."""

    kind = models.CharField(max_length=12, choices=MirrorEntryKind.choices)
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    # The intranet package the lists came with: a package older than that never replaces them.
    seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("网上信访表单选项（镜像）")
        verbose_name_plural = _("网上信访表单选项（镜像）")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="mirrorentry_unique")]

    def __str__(self):
        return f"{self.kind}:{self.code}"


class TransferDirection(models.TextChoices):
    IN = "in", _("接收")
    OUT = "out", _("发送")


class TransferStatus(models.TextChoices):
    WRITTEN = "written", _("已写出")
    APPLIED = "applied", _("已导入")
    DUPLICATE = "duplicate", _("重复，未再导入")
    REFUSED = "refused", _("已拒收")


class TransferPackage(models.Model):
    """One package the internet side wrote or received (the log of the crossing on this side).

    A package written here is ``acked_at`` once the intranet reports it received, or ``refused`` with
    the intranet's ``code`` and ``reason`` when it reports it refused. A package received keeps the
    ``ack`` its manifest carried, the code of its refusal here, and ``settled``: up to which number the
    intranet needs no more word of its packages (docs/architecture.md §7.2, acknowledgments)."""

    direction = models.CharField(max_length=3, choices=TransferDirection.choices)
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=TransferStatus.choices)
    reason = models.TextField(blank=True)
    code = models.CharField(max_length=50, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    ack = models.JSONField(default=dict, blank=True)
    settled = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("网闸数据包")
        verbose_name_plural = _("网闸数据包")
        indexes = [models.Index(fields=["direction", "seq"], name="transferpackage_seq")]

    def __str__(self):
        return self.name
