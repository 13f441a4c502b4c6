"""The 数据导入 page (petitions/views/history_import.py): template, upload, preview, error workbook,
import, progress status, rights. The test settings run the background steps within the request."""
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.models import Case, HistoryImport, HistoryImportState
from petitions.services.history_import.columns import DATA_SHEET, ERROR_HEADER
from tests.factories import make_user
from tests.petitions.history_helpers import base_row, workbook_path


def upload(client, path, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("petitions:history_import_upload"), {
            "file": SimpleUploadedFile(path.name, path.read_bytes()), "org": org.pk})


@pytest.fixture
def triage_client(client, county_triage):
    client.force_login(county_triage)
    return client


def test_the_page_and_the_template_need_the_right(client, orgs, county_triage, county_clerk):
    client.force_login(county_clerk)
    assert client.get(reverse("petitions:history_import")).status_code == 403
    client.force_login(county_triage)
    page = client.get(reverse("petitions:history_import"))
    assert page.status_code == 200 and "数据导入" in page.content.decode()
    response = client.get(reverse("petitions:history_import_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb[DATA_SHEET]["A1"].value == "原编号"


def test_a_bad_row_is_previewed_marked_in_the_error_workbook_and_blocks_the_import(
        triage_client, orgs, tmp_path, django_capture_on_commit_callbacks):
    path = workbook_path(tmp_path, [base_row(1), base_row(2, id_number="110101199003071234")])
    response = upload(triage_client, path, orgs["53392201"], django_capture_on_commit_callbacks)
    job = HistoryImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("petitions:history_import_job", args=[job.pk])
    assert (job.state, job.total_rows, job.valid_rows, job.error_rows) == (HistoryImportState.CHECKED, 2, 1, 1)
    page = triage_client.get(response.url).content.decode()
    assert "X3" in page and "校验位" in page
    status = triage_client.get(reverse("petitions:history_import_status", args=[job.pk])).json()
    assert status["finished"] and status["percent"] == 100

    workbook = triage_client.get(reverse("petitions:history_import_errors", args=[job.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content)))
    ws = wb[DATA_SHEET]
    assert ws["X3"].fill.fgColor.rgb.endswith("F4B6B6") and "校验位" in ws["X3"].comment.text
    assert ws.cell(1, ws.max_column).value == ERROR_HEADER and "证件号码" in ws.cell(3, ws.max_column).value
    assert ws["X2"].comment is None

    refused = triage_client.post(reverse("petitions:history_import_run", args=[job.pk]), {})
    assert refused.status_code == 400 and "仅导入无误的行" in refused.content.decode()
    assert Case.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        triage_client.post(reverse("petitions:history_import_run", args=[job.pk]), {"only_valid": "on"})
    job.refresh_from_db()
    assert (job.state, job.created_count) == (HistoryImportState.DONE, 1)
    assert list(Case.objects.values_list("source_number", flat=True)) == ["H-00001"]
    detail = triage_client.get(Case.objects.get().get_absolute_url()).content.decode()
    assert "H-00001" in detail and "历史数据导入" in detail


def test_the_corrected_error_workbook_imports(triage_client, orgs, tmp_path, django_capture_on_commit_callbacks):
    path = workbook_path(tmp_path, [base_row(1, phone="139123")])
    upload(triage_client, path, orgs["53392201"], django_capture_on_commit_callbacks)
    job = HistoryImport.objects.get()
    data = b"".join(triage_client.get(reverse("petitions:history_import_errors", args=[job.pk])).streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb[DATA_SHEET]["Z2"] = "13912345678"
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    response = upload(triage_client, fixed, orgs["53392201"], django_capture_on_commit_callbacks)
    second = HistoryImport.objects.get(original_name="fixed.xlsx")
    assert second.state == HistoryImportState.CHECKED and second.error_rows == 0
    with django_capture_on_commit_callbacks(execute=True):
        triage_client.post(reverse("petitions:history_import_run", args=[second.pk]), {})
    assert Case.objects.get().petitioners.get().phone == "13912345678"
    assert "1" in triage_client.get(response.url).content.decode()


def test_a_refused_file_is_named_and_nothing_is_kept(triage_client, orgs, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    response = upload(triage_client, path, orgs["53392201"], django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "notes.xlsx" in response.content.decode()
    assert HistoryImport.objects.count() == 0


def test_another_county_sees_no_job(client, orgs, county_triage, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(county_triage)
    upload(client, workbook_path(tmp_path, [base_row(1)]), orgs["53392201"], django_capture_on_commit_callbacks)
    job = HistoryImport.objects.get()
    other = make_user("other_triage", org_code="53392301", roles=["triage"])
    client.force_login(other)
    assert client.get(reverse("petitions:history_import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("petitions:history_import_run", args=[job.pk]), {}).status_code == 404


def test_files_of_uploads_left_unimported_are_swept(triage_client, orgs, tmp_path, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from petitions.services.history_import import job_error_workbook_path, job_files_sweep

    upload(triage_client, workbook_path(tmp_path, [base_row(1, phone="139123")]), orgs["53392201"],
           django_capture_on_commit_callbacks)
    job = HistoryImport.objects.get()
    assert job_error_workbook_path(job) is not None
    assert job_files_sweep(now=timezone.now() + timedelta(days=8)) == 1
    job.refresh_from_db()
    assert job_error_workbook_path(job) is None and job.total_rows == 1
