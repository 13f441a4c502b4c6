"""Attachment checks (extension + content, size, zip bombs), private storage, download through
the visibility selectors, and the orphan sweep."""
import hashlib
import io
import os
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.models import Attachment, CaseView
from petitions.services import attachments
from tests.factories import make_user
from tests.petitions.intake_factories import dicts, register, stored_files

__all__ = ["dicts"]

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
OLE = attachments.OLE_MAGIC + b"\x00" * 504


def ooxml(main_part, *, extra_entries=0, big_entry=0):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
        for i in range(extra_entries):
            archive.writestr(f"customXml/item{i}.xml", "")
        if big_entry:
            archive.writestr("word/media/zeros.bin", b"\x00" * big_entry)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


ACCEPTED = [
    ("scan.pdf", PDF, "application/pdf"),
    ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
    ("photo.jpeg", b"\xff\xd8\xff\xe1" + b"\x00" * 20, "image/jpeg"),
    ("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
    ("fax.tif", b"II*\x00" + b"\x00" * 20, "image/tiff"),
    ("fax.tiff", b"MM\x00*" + b"\x00" * 20, "image/tiff"),
    ("letter.doc", OLE, "application/msword"),
    ("table.xls", OLE, "application/vnd.ms-excel"),
    ("letter.docx", ooxml("word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("table.xlsx", ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("note.txt", "情况说明：工资拖欠".encode(), "text/plain"),
    ("note-gbk.txt", "情况说明：工资拖欠".encode("gb18030"), "text/plain"),
]


@pytest.mark.parametrize("name,content,content_type", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_allowed_types_with_matching_content_are_accepted(name, content, content_type):
    assert attachments.attachment_check(upload(name, content))[1] == content_type


REFUSED = [
    ("fake.pdf", b"MZ\x90\x00\x03 executable", "内容与扩展名 .pdf 不符"),
    ("fake.jpg", PDF, "内容与扩展名 .jpg 不符"),
    ("virus.exe", b"MZ\x90\x00", "文件类型不允许"),
    ("noext", PDF, "文件类型不允许"),
    ("empty.pdf", b"", "是空文件"),
    ("plain.docx", b"PK\x03\x04 not really a zip", "内容与扩展名 .docx 不符"),
    ("bare.docx", ooxml("other/part.xml"), "内容与扩展名 .docx 不符"),
    ("sheet-as-doc.docx", ooxml("xl/workbook.xml"), "内容与扩展名 .docx 不符"),
    ("many.docx", ooxml("word/document.xml", extra_entries=attachments.ZIP_MAX_ENTRIES), "文件数量异常"),
    ("binary.txt", b"abc\x00def", "内容与扩展名 .txt 不符"),
    ("latin1.txt", b"caf\xe9 \xff\xfe\xfa", "内容与扩展名 .txt 不符"),
]


@pytest.mark.parametrize("name,content,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_wrong_content_is_refused_with_a_chinese_message(name, content, message):
    with pytest.raises(ValidationError) as exc:
        attachments.attachment_check(upload(name, content))
    assert message in exc.value.messages[0]
    assert name in exc.value.messages[0]


def test_zip_bomb_by_uncompressed_size_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 50_000  # archives may unpack to 10x: 500 kB
    bomb = ooxml("word/document.xml", big_entry=2_000_000)
    assert len(bomb) < settings.ATTACHMENT_MAX_BYTES
    with pytest.raises(ValidationError) as exc:
        attachments.attachment_check(upload("bomb.docx", bomb))
    assert "压缩炸弹" in exc.value.messages[0]


def test_file_over_the_limit_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        attachments.attachment_check(upload("scan.pdf", PDF + b" " * 100))
    assert "超过单个附件大小上限" in exc.value.messages[0]


def test_filename_is_reduced_to_a_safe_base_name():
    assert attachments.clean_filename("../../etc/passwd.pdf") == "passwd.pdf"
    assert attachments.clean_filename("C:\\Users\\x\\扫描件\x00.pdf") == "扫描件.pdf"
    assert len(attachments.clean_filename("长" * 300 + ".pdf")) == 200


@pytest.mark.usefixtures("dicts")
def test_stored_under_a_random_name_with_sha256(clerk):
    case = register(clerk, files=[upload("判决书.pdf", PDF)])
    att = case.attachments.get()
    path = attachments.storage_path(att.stored_name)
    assert path.read_bytes() == PDF
    assert att.sha256 == hashlib.sha256(PDF).hexdigest() and att.size == len(PDF)
    assert "判决书" not in att.stored_name and len(att.stored_name.split("/")[-1]) == 40
    assert not any(p.suffix == ".part" for p in stored_files())


@pytest.mark.usefixtures("dicts")
def test_download_streams_the_file_with_safe_headers_and_logs_the_access(client, clerk):
    case = register(clerk, files=[upload("判决书.pdf", PDF)])
    att = case.attachments.get()
    client.force_login(clerk)
    response = client.get(reverse("petitions:attachment_download", args=[att.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%88%A4%E5%86%B3%E4%B9%A6.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert CaseView.objects.filter(case=case, user=clerk, action="download").count() == 1


@pytest.mark.usefixtures("dicts")
def test_other_township_gets_404_on_case_and_attachment(client, orgs, county_triage):
    shimen_clerk = make_user("shimen_clerk", org_code="533922101", roles=["clerk"])
    yunxi_clerk = make_user("yunxi_clerk", org_code="533923101", roles=["clerk"])
    yunxi_handler = make_user("yunxi_handler", org_code="533923101", roles=["handler"])
    case = register(shimen_clerk, files=[upload("scan.pdf", PDF)])
    att = case.attachments.get()
    urls = [reverse("petitions:detail", args=[case.pk]), reverse("petitions:attachment_download", args=[att.pk])]
    for outsider in (yunxi_clerk, yunxi_handler):
        client.force_login(outsider)
        assert [client.get(url).status_code for url in urls] == [404, 404]
    for insider in (shimen_clerk, county_triage):  # the township itself and its county bureau
        client.force_login(insider)
        assert [client.get(url).status_code for url in urls] == [200, 200]
    assert CaseView.objects.filter(user__in=[yunxi_clerk, yunxi_handler]).count() == 0


@pytest.mark.usefixtures("dicts")
def test_unknown_attachment_and_missing_file_are_404(client, clerk, auditor):
    case = register(clerk, files=[upload("scan.pdf", PDF)])
    att = case.attachments.get()
    client.force_login(auditor)  # sees no case content at all
    assert client.get(reverse("petitions:attachment_download", args=[att.pk])).status_code == 404
    client.force_login(clerk)
    assert client.get(reverse("petitions:attachment_download", args=[att.pk + 999])).status_code == 404
    attachments.storage_path(att.stored_name).unlink()
    assert client.get(reverse("petitions:attachment_download", args=[att.pk])).status_code == 404


@pytest.mark.usefixtures("dicts")
def test_orphan_sweep_removes_only_unreferenced_old_files(clerk):
    case = register(clerk, files=[upload("scan.pdf", PDF)])
    kept = attachments.storage_path(case.attachments.get().stored_name)
    orphan = attachments.storage_root() / "ab" / ("ab" + "0" * 38)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    staged = attachments.storage_root() / attachments.STAGING_DIR / "dead.part"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(b"x")
    fresh = attachments.storage_root() / "cd" / ("cd" + "1" * 38)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"x")
    old = time.time() - 2 * attachments.ORPHAN_GRACE_SECONDS
    for path in (kept, orphan, staged):
        os.utime(path, (old, old))
    assert attachments.attachment_orphans_sweep() == 2
    assert kept.exists() and fresh.exists() and not orphan.exists() and not staged.exists()
    fresh.unlink()
    assert Attachment.objects.count() == 1


@pytest.mark.usefixtures("dicts")
def test_sweep_command(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sweep_attachments", "--older-than", "3600", stdout=out)
    assert out.getvalue().startswith("removed ")
