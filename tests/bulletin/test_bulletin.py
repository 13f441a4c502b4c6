"""公共信息: notices and policies reach the publisher's jurisdiction only; files go to one
person, checked like case attachments, opened only by sender and recipient; all audited."""
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, Reminder
from bulletin.models import Bulletin, BulletinKind, FileTransfer
from petitions.services import attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def pdf(name="通知.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def publish(client, user, **data):
    client.force_login(user)
    return client.post(reverse("bulletin:create"), {"kind": BulletinKind.NOTICE, "title": "关于做好信访工作的通知",
                                                    "body": "各县信访局：……", **data})


def test_prefecture_notice_reaches_the_whole_prefecture_county_notice_only_its_county(
        client, triage, county_triage, township_handler, other_township_handler):
    assert publish(client, triage, upload=pdf()).status_code == 302
    prefecture = Bulletin.objects.get()
    assert prefecture.original_name == "通知.pdf" and prefecture.sha256 and prefecture.stored_name.startswith("bulletin/")
    assert AuditLog.objects.filter(action="bulletin.publish", object_id=str(prefecture.pk)).exists()
    publish(client, county_triage, title="石门县通知")
    county = Bulletin.objects.get(title="石门县通知")

    for user, expected in ((township_handler, {prefecture.pk, county.pk}),
                           (other_township_handler, {prefecture.pk}),
                           (triage, {prefecture.pk})):
        client.force_login(user)
        page = client.get(reverse("bulletin:list"))
        assert {b.pk for b in page.context["page"].object_list} == expected, user.username
    client.force_login(other_township_handler)
    assert client.get(reverse("bulletin:detail", args=[county.pk])).status_code == 404
    download = client.get(reverse("bulletin:file", args=[prefecture.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_only_publishers_publish_and_only_their_organization_edits_or_withdraws(
        client, triage, clerk, township_handler, county_triage):
    client.force_login(township_handler)
    assert client.get(reverse("bulletin:create")).status_code == 403
    publish(client, triage)
    b = Bulletin.objects.get()
    client.force_login(county_triage)
    assert client.get(reverse("bulletin:edit", args=[b.pk])).status_code == 404
    assert client.post(reverse("bulletin:withdraw", args=[b.pk])).status_code == 404
    client.force_login(triage)
    client.post(reverse("bulletin:withdraw", args=[b.pk]))
    b.refresh_from_db()
    assert not b.is_published
    client.force_login(township_handler)
    assert client.get(reverse("bulletin:detail", args=[b.pk])).status_code == 404


def test_a_disguised_file_is_refused_with_a_chinese_message_and_nothing_saved(client, triage):
    root = Path(attachments.storage_root())
    before = {p for p in root.rglob("*") if p.is_file()}
    response = publish(client, triage, upload=pdf("通知.pdf", b"MZ\x90\x00 not a pdf"))
    assert response.status_code == 200
    assert "内容与扩展名" in response.content.decode()
    assert not Bulletin.objects.exists()
    assert {p for p in root.rglob("*") if p.is_file()} == before  # nothing staged or stored is left


def test_administrators_see_no_bulletins(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("bulletin:list")).status_code == 403


def test_send_a_file_to_a_person(client, triage, township_handler, other_township_handler, sysadmin,
                                 django_capture_on_commit_callbacks):
    client.force_login(triage)
    page = client.get(reverse("bulletin:files"))
    offered = set(page.context["form"].fields["recipient"].queryset.values_list("username", flat=True))
    assert {"township_handler", "other_township_handler"} <= offered and "admin" not in offered
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bulletin:files"), {"recipient": township_handler.pk,
                                                           "upload": pdf("材料.pdf"), "note": "请查收"})
    assert response.status_code == 302
    transfer = FileTransfer.objects.get()
    assert (transfer.sender, transfer.recipient, transfer.received_at) == (triage, township_handler, None)
    assert AuditLog.objects.filter(action="file.send", object_id=str(transfer.pk)).exists()
    assert Reminder.objects.filter(user=township_handler, title__contains="材料.pdf").exists()

    client.force_login(other_township_handler)
    assert client.get(reverse("bulletin:file_download", args=[transfer.pk])).status_code == 404
    client.force_login(township_handler)
    download = client.get(reverse("bulletin:file_download", args=[transfer.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    transfer.refresh_from_db()
    assert transfer.received_at is not None
    client.force_login(triage)  # the sender sees when it was received, and may open it too
    sent = client.get(reverse("bulletin:files")).content.decode()
    assert timezone.localtime(transfer.received_at).strftime("%Y-%m-%d") in sent.split('id="files-sent"')[1]
    assert client.get(reverse("bulletin:file_download", args=[transfer.pk])).status_code == 200


def test_sending_to_an_administrator_is_refused(client, triage, sysadmin):
    client.force_login(triage)
    response = client.post(reverse("bulletin:files"), {"recipient": sysadmin.pk, "upload": pdf()})
    assert response.status_code == 200
    assert not FileTransfer.objects.exists()


def test_the_attachment_sweep_leaves_bulletin_files_alone(client, triage):
    publish(client, triage, upload=pdf())
    b = Bulletin.objects.get()
    path = attachments.storage_path(b.stored_name)
    assert path.exists()
    attachments.attachment_orphans_sweep(older_than=-1)
    assert path.exists()


def test_the_newest_notices_are_on_the_home_page(client, triage, township_handler, other_township_handler,
                                                 county_triage):
    publish(client, county_triage, title="石门县：关于春节期间信访值班的通知")
    client.force_login(township_handler)
    assert "石门县：关于春节期间信访值班的通知" in client.get(reverse("home")).content.decode()
    client.force_login(other_township_handler)
    assert "石门县：关于春节期间信访值班的通知" not in client.get(reverse("home")).content.decode()
