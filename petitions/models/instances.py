"""Cases between instances of the system (docs/architecture.md §6.2): the other instances this
one exchanges assigned cases with, the cases shared with each, the outbox of items and the
numbered packages both ways, and the map from the ids of other instances to local rows."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit

from petitions.models.case import Case
from petitions.models.exchange import ExchangeKey
from petitions.models.workflow import CaseEvent


class PeerDirection(models.TextChoices):
    # An organization below this instance runs its own instance: the cases this instance assigns
    # into its subtree go there, and what it does on them comes back.
    LOWER = "lower", _("下级系统")
    # The instance above this one: the cases it assigns to this instance come from there and what
    # this instance does on them goes back.
    UPPER = "upper", _("上级系统")


class Peer(models.Model):
    """Another instance of the system, known by the organization it serves (a county runs its
    own instance: the 县 unit; the prefecture's instance: the 州 unit), trusted through its
    ``ExchangeKey`` rows (those of ``org``), with the sequence state of the packages both ways.

    ``out_*``: the packages this instance wrote to it; ``acked_seq``: the last of them it
    reported as applied. ``in_*``: the last package applied from it (``in_hash`` is its
    manifest digest, which the next one must name as ``prev``). The row is locked while a
    package for or from the peer is written or applied, so both directions are serialised.

    ``out_follows``: the number of the package the next one written follows (``out_seq``, unless
    the sequence was re-based onto what the peer reported as applied: docs/architecture.md §6.2,
    "Re-synchronising"). ``max_bytes``: the largest package the administrator allows for it (0:
    none set); ``peer_max_bytes`` / ``peer_max_file_bytes``: the limits the peer announces in its
    own packages (0: not known yet). ``ack_taken_at``: the creation time (the peer's clock) of
    the package whose acknowledgement was taken last, so that an older package arriving late does
    not move anything back. ``resend_wanted``: a package was held here since the last package
    written, so the next one tells the peer what was applied here (it may have to send again)."""

    org = models.OneToOneField(OrgUnit, verbose_name=_("对端机构"), on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("关系"), max_length=10, choices=PeerDirection.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    out_seq = models.PositiveIntegerField(_("已发出至"), default=0)
    out_hash = models.CharField(max_length=64, blank=True)
    out_at = models.DateTimeField(_("最近发出时间"), null=True, blank=True)
    acked_seq = models.PositiveIntegerField(_("对方已应用至"), default=0)
    ack_sent = models.PositiveIntegerField(default=0)
    in_seq = models.PositiveIntegerField(_("已应用至"), default=0)
    in_hash = models.CharField(max_length=64, blank=True)
    in_at = models.DateTimeField(_("最近应用时间"), null=True, blank=True)
    out_follows = models.PositiveIntegerField(default=0)
    max_bytes = models.PositiveBigIntegerField(_("单包大小上限（字节）"), default=0)
    peer_max_bytes = models.PositiveBigIntegerField(_("对方公布的单包上限（字节）"), default=0)
    peer_max_file_bytes = models.PositiveBigIntegerField(_("对方公布的单个文件上限（字节）"), default=0)
    ack_taken_at = models.DateTimeField(null=True, blank=True)
    resend_wanted = models.BooleanField(default=False)
    resync_at = models.DateTimeField(_("最近重新衔接序号时间"), null=True, blank=True)
    resync_note = models.TextField(_("最近重新衔接序号说明"), blank=True)

    class Meta:
        verbose_name = _("对端系统")
        verbose_name_plural = _("对端系统")
        ordering = ["org__path"]

    def __str__(self):
        return f"{self.org.code} {self.org.name}"


class SharedCase(models.Model):
    """A case that this instance and ``peer`` both hold: every trail entry on it travels to the
    peer (unless it came from there)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="shared")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "peer"], name="peer_sharedcase_unique")]


class OutboundPackage(models.Model):
    """A package written for ``peer``: number ``seq``, its manifest digest and the previous one's,
    kept as a file until the peer reports it applied (then removed: it carries personal data).

    ``follows``: the number of the package it follows (``seq - 1`` unless the sequence was
    re-based). ``withdrawn_at``: set when a re-synchronisation took it back (its items and
    notices were queued again for a later package; its file is removed and it is never sent
    again)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbound")
    seq = models.PositiveIntegerField(_("序号"))
    digest = models.CharField(max_length=64)
    prev = models.CharField(max_length=64, blank=True)
    follows = models.PositiveIntegerField(default=0)
    ack = models.PositiveIntegerField(default=0)
    notices = models.PositiveIntegerField(_("拒收通知数"), default=0)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("撤回原因"), blank=True)
    key_fingerprint = models.CharField(_("签名密钥"), max_length=16)
    items = models.PositiveIntegerField(_("事项数"), default=0)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    stored_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("发出的交换包")
        verbose_name_plural = _("发出的交换包")
        ordering = ["peer", "seq"]
        constraints = [models.UniqueConstraint(fields=["peer", "seq"], name="peer_outbound_unique_seq")]


class HeldBack(models.TextChoices):
    # Alone larger than the peer takes in one package: not sent; the later items of its case wait.
    TOO_LARGE = "too_large", _("超过对方接收上限，暂不发送")
    # Given up by a person after it was held back: never sent; the items after it go on.
    DROPPED = "dropped", _("已放弃发送")


class PeerOutboxItem(models.Model):
    """One thing to send to ``peer``: a case's first copy (``kind`` case) or a trail entry
    (``kind`` event), with the part of its content fixed when it happened (``payload``).
    ``package`` is set when a package takes it. ``event``: the trail entry (for a copy, the step
    that linked the case: its files travel with the copy).

    ``held_back`` (empty while queued): the item alone is larger than the peer takes
    (``too_large``, with ``size`` and the reason), or it was then given up (``dropped``)."""

    KIND_CASE = "case"
    KIND_EVENT = "event"

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", db_index=False)
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)  # the trail is partitioned (§4.4)
    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    package = models.ForeignKey(OutboundPackage, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    held_back = models.CharField(_("暂不发送"), max_length=10, choices=HeldBack.choices, blank=True)
    held_back_at = models.DateTimeField(null=True, blank=True)
    held_back_reason = models.TextField(blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)

    class Meta:
        indexes = [models.Index(fields=["peer", "package", "id"], name="peer_outbox_pending")]


class InboundState(models.TextChoices):
    HELD = "held", _("暂存（等待缺少的包）")
    APPLIED = "applied", _("已应用")
    REFUSED = "refused", _("无法应用")
    # Held, then passed over: the sender re-based its sequence past it and sent its items again.
    WITHDRAWN = "withdrawn", _("对方已撤回")


class InboundPackage(models.Model):
    """A package received from ``peer``: applied, or held until the packages before it arrive
    (its verified file kept meanwhile), or refused when it could not be applied after being
    held (a resent copy takes its place)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbound")
    seq = models.PositiveIntegerField(_("序号"))
    digest = models.CharField(max_length=64)
    prev = models.CharField(max_length=64, blank=True)
    follows = models.PositiveIntegerField(default=0)
    state = models.CharField(_("状态"), max_length=10, choices=InboundState.choices)
    key = models.ForeignKey(ExchangeKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stored_name = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    items = models.PositiveIntegerField(_("事项数"), default=0)
    notices = models.PositiveIntegerField(_("拒收通知数"), default=0)
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    applied_at = models.DateTimeField(_("应用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收到的交换包")
        verbose_name_plural = _("收到的交换包")
        ordering = ["peer", "seq"]
        constraints = [models.UniqueConstraint(fields=["peer", "seq"], name="peer_inbound_unique_seq")]


class ItemOutcome(models.TextChoices):
    APPLIED = "applied", _("已办理")
    HISTORY = "history", _("已记入处理记录")
    COPIED = "copied", _("已建立副本")
    SKIPPED = "skipped", _("已存在，未重复")
    CONFLICT = "conflict", _("未能办理")
    DIVERGED = "diverged", _("办理后状态不一致")


class InboundItem(models.Model):
    """What became of one item of an applied package: done through the workflow, recorded in
    the trail, copied, already there, refused by the workflow (``conflict``: the state had moved
    on here, e.g. both sides acted at once), or done with a different resulting state
    (``diverged``). The last two are listed on the 数据交换 page."""

    package = models.ForeignKey(InboundPackage, on_delete=models.PROTECT, related_name="outcomes")
    key = models.CharField(max_length=80)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    action = models.CharField(max_length=40, blank=True)
    actor = models.CharField(_("操作人"), max_length=100, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=ItemOutcome.choices)
    message = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["outcome", "package"], name="peer_inbounditem_outcome")]


class RefusalSide(models.TextChoices):
    HERE = "here", _("本系统拒收对方的包")
    THERE = "there", _("对方拒收本系统的包")


class PackageRefusal(models.Model):
    """A package refused, told back to its sender (docs/architecture.md §6.2, "Refusals").

    ``here``: a package that ``peer`` sent (as its manifest claims: ``seq``, ``digest``) was
    refused by this instance; the notice travels in the next package written for the peer
    (``carried_by``). ``there``: the peer reported refusing one of this instance's packages;
    ``package`` is that package when the digest is the one written here. ``code`` is the
    refusal code (``petitions.lib.package`` / ``petitions.services.instances``), ``message`` the
    reason in words, ``limit`` the refusing side's package limit for ``too_large``."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="refusals")
    side = models.CharField(max_length=5, choices=RefusalSide.choices)
    seq = models.PositiveIntegerField(_("包序号"))
    digest = models.CharField(max_length=64, blank=True)
    code = models.CharField(_("拒收代码"), max_length=40)
    message = models.TextField(_("拒收原因"))
    limit = models.PositiveBigIntegerField(default=0)
    refused_at = models.DateTimeField(_("拒收时间"))
    carried_by = models.ForeignKey(OutboundPackage, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    package = models.ForeignKey(OutboundPackage, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("交换包拒收记录")
        verbose_name_plural = _("交换包拒收记录")
        indexes = [models.Index(fields=["peer", "side", "carried_by"], name="peer_refusal_pending")]


class ExchangeRef(models.Model):
    """The row here that stands for a row another instance created: ``key`` is
    ``<instance org code>:<kind>:<id there>`` (assignments, extension requests, supervisions,
    review requests, documents, trail entries). Rows created here need no entry: their key is
    ``<this instance>:<kind>:<id>``."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=80)
    local_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="peer_ref_unique_key"),
            models.UniqueConstraint(fields=["kind", "local_id"], name="peer_ref_unique_local"),
        ]
