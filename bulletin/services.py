"""公共信息 writes: publish / edit / withdraw a bulletin, send a file to a person.

Each is one transaction with its audit row (accounts/audit.py). Uploaded files go through the
same checks as case attachments (extension *and* content, size limit, private storage under a
random name: petitions/services/attachments.py); they live under ``bulletin/`` in the private
storage, which the case-attachment orphan sweep leaves alone.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import ServiceError
from accounts.models import User
from petitions.services import attachments as files
from accounts.reminders import reminders_create

from bulletin import selectors
from bulletin.models import Bulletin, BulletinAudience, BulletinKind, BulletinTarget, FileTransfer

STORE_DIR = "bulletin"


def _stage(upload):
    """Check and stage one upload (or None); a bad file raises ServiceError on the field 'file'."""
    if upload is None:
        return None
    try:
        staged = files.attachment_stage(upload)
    except ServiceError as exc:
        raise ServiceError(exc.message, field="file", code=exc.code)
    staged.stored_name = f"{STORE_DIR}/{staged.stored_name}"
    return staged


def _place(staged, row):
    """Copy the staged file's facts onto ``row`` (before save) and move the file into place."""
    row.original_name, row.stored_name = staged.original_name, staged.stored_name
    row.content_type, row.size, row.sha256 = staged.content_type, staged.size, staged.sha256
    files.move_into_place(staged)


def _with_file(upload, write):
    """Run ``write(staged)`` in a transaction; the staged/moved file is removed if it fails."""
    staged = _stage(upload)
    try:
        with transaction.atomic():
            return write(staged)
    except BaseException:
        if staged is not None:
            files.discard([staged])
        raise


def _audience_check(actor, audience, orgs):
    """The named organizations of ``audience`` (none unless 指定单位), each inside the publisher's
    jurisdiction; a ServiceError on the field otherwise."""
    if audience not in BulletinAudience.values:
        raise ServiceError(_("请选择发送范围。"), field="audience", code="audience_invalid")
    if audience != BulletinAudience.ORGS:
        return []
    orgs = list({o.pk: o for o in orgs or []}.values())
    if not orgs:
        raise ServiceError(_("发送范围为“指定单位”时，请至少选择一个接收单位。"), field="audience_orgs",
                           code="audience_orgs_missing")
    allowed = set(selectors.audience_org_choices(actor).filter(pk__in=[o.pk for o in orgs])
                  .values_list("pk", flat=True))
    outside = [o.name for o in orgs if o.pk not in allowed]
    if outside:
        raise ServiceError(_("只能发送给本辖区内的单位，%(names)s 不在本辖区。") % {"names": "、".join(outside)},
                           field="audience_orgs", code="audience_outside")
    return sorted(orgs, key=lambda o: o.path)


def bulletin_save(*, actor, kind, title, body="", upload=None, bulletin=None, request=None,
                  audience=BulletinAudience.JURISDICTION, audience_orgs=()):
    """Publish or change a bulletin of the actor's organization. ``audience`` (发送范围): the
    publisher's own organization, his jurisdiction, or ``audience_orgs`` (指定单位: units of his
    jurisdiction, each with its sub-units). Audit: ``bulletin.publish`` / ``bulletin.save`` with the
    audience and the named organizations' codes."""
    if not selectors.can_publish(actor):
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("请填写标题。"), field="title")
    if kind not in BulletinKind.values:
        raise ServiceError(_("请选择类别。"), field="kind")
    if bulletin is not None and not selectors.can_edit(actor, bulletin):
        raise Http404
    targets = _audience_check(actor, audience, audience_orgs)

    def write(staged):
        row = bulletin or Bulletin(publisher_org=actor.organization, created_by=actor)
        old_file = row.stored_name if staged is not None else ""
        row.kind, row.title, row.body = kind, title[:200], (body or "").strip()
        row.audience = audience
        row.audience_path = (actor.organization.path if audience == BulletinAudience.OWN
                             else actor.organization.jurisdiction_path)
        if staged is not None:
            _place(staged, row)
        row.save()
        BulletinTarget.objects.filter(bulletin=row).delete()
        BulletinTarget.objects.bulk_create([BulletinTarget(bulletin=row, org=o, org_path=o.path) for o in targets])
        audit_record(action="bulletin.save" if bulletin else "bulletin.publish", actor=actor, target=row,
                     summary=_("%(kind)s：%(title)s") % {"kind": row.get_kind_display(), "title": row.title},
                     data={"audience": audience, "orgs": [o.code for o in targets]}, request=request)
        if old_file:
            transaction.on_commit(lambda: files.storage_path(old_file).unlink(missing_ok=True))
        return row

    return _with_file(upload, write)


def bulletin_withdraw(*, actor, bulletin, request=None):
    if not selectors.can_edit(actor, bulletin):
        raise Http404
    with transaction.atomic():
        Bulletin.objects.filter(pk=bulletin.pk).update(is_published=False)
        audit_record(action="bulletin.withdraw", actor=actor, target=bulletin,
                     summary=_("撤回：%(title)s") % {"title": bulletin.title}, request=request)


def file_send(*, actor, recipient, upload, note="", request=None):
    """Send ``upload`` to ``recipient``; the recipient gets a reminder (任务管理)."""
    if upload is None:
        raise ServiceError(_("请选择要发送的文件。"), field="file")
    if not isinstance(recipient, User) or not selectors.recipients(actor).filter(pk=recipient.pk).exists():
        raise ServiceError(_("请选择接收人。"), field="recipient")

    def write(staged):
        row = FileTransfer(sender=actor, recipient=recipient, note=(note or "").strip()[:200])
        _place(staged, row)
        row.save()
        audit_record(action="file.send", actor=actor, target=row,
                     summary=_("发送文件给 %(user)s：%(name)s") % {"user": recipient.username,
                                                             "name": row.original_name},
                     request=request)
        transaction.on_commit(lambda: reminders_create(
            user_ids=[recipient.pk], title=_("收到文件：%(name)s（%(sender)s）") % {
                "name": row.original_name, "sender": actor.display_name},
            url=reverse("bulletin:files")))
        return row

    return _with_file(upload, write)


def file_open(*, actor, transfer):
    """The file of ``transfer`` for its sender or recipient (404 for anyone else); the first
    opening by the recipient is recorded as received."""
    if actor.pk not in (transfer.sender_id, transfer.recipient_id):
        raise Http404
    if actor.pk == transfer.recipient_id and transfer.received_at is None:
        FileTransfer.objects.filter(pk=transfer.pk, received_at__isnull=True).update(received_at=timezone.now())
    return open(files.storage_path(transfer.stored_name), "rb")


def bulletin_file_open(*, actor, bulletin):
    if not bulletin.stored_name or not selectors.bulletins_visible(actor).filter(pk=bulletin.pk).exists():
        raise Http404
    return open(files.storage_path(bulletin.stored_name), "rb")
