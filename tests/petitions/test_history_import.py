"""Historical import from the Excel template (petitions/services/history_import): checks, refusals,
the all-or-nothing write, idempotence, the states and their records, the command."""
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import AuditLog
from petitions.models import (
    Assignment, AssignmentStatus, Case, CaseCounter, CaseEvent, Petitioner, ReviewLevel, ReviewRequest,
)
from petitions.selectors.search import case_search
from petitions.services.history_import import ImportRefused, history_import
from petitions.services.history_import.columns import DATA_SHEET, HEADERS, META_SHEET
from petitions.workflow import Status
from tests.petitions.history_helpers import base_row, rewrite_zip, template_bytes, workbook_path

ANSWERED = {"answer_text": "已答复。", "answered_at": "2021-04-01", "handling_opinion": "支持"}
NOT_CLOSED = {"closure_category": None, "closed_at": None}


def run(path, actor, **kwargs):
    return history_import(path=str(path), name=path.name, actor=actor, **kwargs)


def rows_of_every_state():
    return [
        base_row(1, status="待分流", handling_org=None, accepted_at=None, handling_opinion=None, answer_text=None,
                 answered_at=None, **NOT_CLOSED),
        base_row(2, status="办理中", handling_opinion=None, answer_text=None, answered_at=None, **NOT_CLOSED),
        base_row(3, status="已答复", **NOT_CLOSED),
        base_row(4, status="复查中", review_requested_at="2021-04-10", **NOT_CLOSED),
        base_row(5, status="复核中", review_requested_at="2021-04-10", review_opinion="维持。", review_conclusion="维持",
                 review_decided_at="2021-05-01", recheck_requested_at="2021-05-10", **NOT_CLOSED),
        base_row(6),
        base_row(7, status="已归档", review_requested_at="2021-04-10", review_opinion="维持。", review_conclusion="维持",
                 review_decided_at="2021-04-20", closed_at="2021-06-01", archived_at="2021-07-01"),
        base_row(8, status="不予受理", handling_org=None, accepted_at=None, handling_opinion=None, answer_text=None,
                 answered_at=None, closure_category=None, reject_reason="1", reject_channel="向人民法院提起诉讼",
                 closed_at="2021-03-10"),
        base_row(9, status="不再受理", handling_org=None, accepted_at=None, handling_opinion=None,
                 answer_text="已经复核终结。", answered_at=None, closure_category=None, closed_at="2021-03-10",
                 first_case="H-00006"),
    ]


def test_template_has_the_header_the_lists_the_instructions_and_its_version(db):
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    assert wb.sheetnames[:2] == ["填写说明", DATA_SHEET]
    assert tuple(c.value for c in wb[DATA_SHEET][1]) == HEADERS
    assert wb[META_SHEET].sheet_state == "hidden" and wb[META_SHEET]["B1"].value == "1"
    validations = wb[DATA_SHEET].data_validations.dataValidation
    assert any("字典" in v.formula1 for v in validations)
    assert "示例行" in "".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)


def test_every_state_is_imported_with_its_records(orgs, county_triage, tmp_path):
    result = run(workbook_path(tmp_path, rows_of_every_state()), county_triage)
    assert (result.created, result.existing, result.skipped_errors) == (9, 0, 0)
    cases = {c.source_number: c for c in Case.objects.all()}
    assert {c.status for c in cases.values()} == {
        Status.PENDING, Status.IN_PROGRESS, Status.ANSWERED, Status.REVIEWING, Status.RECHECKING, Status.CLOSED,
        Status.ARCHIVED, Status.REJECTED, Status.NOT_REACCEPTED}
    first = cases["H-00001"]
    assert first.number.startswith("53392201-2021-") and first.petition_date.isoformat() == "2021-03-01"
    assert first.current_due.isoformat() == "2021-03-16"  # 15 days from registration
    # Gap-free numbers of 2021, and the counter past them.
    assert sorted(c.seq for c in cases.values()) == list(range(1, 10))
    assert CaseCounter.objects.get(org__code="53392201", year=2021).last_seq == 9
    in_progress = cases["H-00002"]
    assignment = Assignment.objects.get(case=in_progress)
    assert assignment.status == AssignmentStatus.ACCEPTED and assignment.org.code == "533922101"
    assert in_progress.handling_due.isoformat() == "2021-05-04"  # accepted + 60 days
    assert Assignment.objects.get(case=cases["H-00003"]).status == AssignmentStatus.APPROVED
    review = ReviewRequest.objects.get(case=cases["H-00004"])
    assert review.level == ReviewLevel.REVIEW and review.org.code == "533922" and review.decided_at is None
    assert cases["H-00004"].current_due.isoformat() == "2021-05-10"
    recheck = ReviewRequest.objects.get(case=cases["H-00005"], level=ReviewLevel.RECHECK)
    assert recheck.org.code == "533900"  # the level above 石门县
    assert "向人民法院提起诉讼" in cases["H-00008"].answer_text
    assert cases["H-00009"].first_case_id == cases["H-00006"].pk and cases["H-00009"].is_repeat
    # The trail says "imported", with the source number; one audit row for the whole file.
    event = CaseEvent.objects.get(case=first)
    assert event.action == "history_import" and "H-00001" in event.note and event.audit_id is None
    assert AuditLog.objects.filter(action="case.history_import", succeeded=True).count() == 1
    # Personal data stored through the encrypted fields.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address FROM petitions_petitioner WHERE case_id = %s", [first.pk])
        stored = cursor.fetchone()
    assert stored[0].startswith("s1:") and stored[1].startswith("s1:") and stored[2].startswith("r1:")
    assert Petitioner.objects.get(case=first).id_number == "110101199003071233"


def test_the_source_number_stays_searchable(orgs, county_triage, tmp_path):
    run(workbook_path(tmp_path, [base_row(1)]), county_triage)
    case = Case.objects.get()
    assert list(case_search(county_triage, {"number": "H-00001"}).qs) == [case]
    assert list(case_search(county_triage, {"number": case.number}).qs) == [case]


def test_the_same_file_twice_changes_nothing(orgs, county_triage, tmp_path):
    path = workbook_path(tmp_path, [base_row(1), base_row(2)])
    run(path, county_triage)
    before = (Case.objects.count(), Petitioner.objects.count(), CaseEvent.objects.count(),
              CaseCounter.objects.get(org__code="53392201", year=2021).last_seq)
    again = run(path, county_triage)
    assert (again.created, again.existing) == (0, 2)
    assert before == (Case.objects.count(), Petitioner.objects.count(), CaseEvent.objects.count(),
                      CaseCounter.objects.get(org__code="53392201", year=2021).last_seq)


def test_one_bad_row_imports_nothing_unless_only_valid_is_chosen(orgs, county_triage, tmp_path):
    path = workbook_path(tmp_path, [base_row(1), base_row(2, id_number="110101199003071234"), base_row(3)])
    with pytest.raises(ImportRefused) as exc:
        run(path, county_triage)
    assert "1行有误" in exc.value.message and exc.value.code == "row_errors"
    assert Case.objects.count() == 0 and CaseCounter.objects.count() == 0
    assert AuditLog.objects.filter(action="case.history_import", succeeded=False).count() == 1
    result = run(path, county_triage, only_valid=True)
    assert result.created == 2 and result.skipped_errors == 1
    assert set(Case.objects.values_list("source_number", flat=True)) == {"H-00001", "H-00003"}


def errors_of(tmp_path, actor, rows, **kwargs):
    result = run(workbook_path(tmp_path, rows, **kwargs), actor, dry_run=True)
    return {(item["cell"], item["column"]): item["message"] for item in result.check.preview()}


def test_row_checks_name_the_cell(orgs, county_triage, tmp_path):
    errors = errors_of(tmp_path, county_triage, [
        base_row(1, id_number="110101199003071234"),  # check digit
        base_row(2, purpose="不存在的目的"),
        base_row(3, petition_date="2021-02-30"),
        base_row(4, status="已答复", answer_text=None, **NOT_CLOSED),  # required by the state
        base_row(5, status="待分流", **NOT_CLOSED),  # an answer on a pending case
        base_row(6, source_number="H-00001"),  # duplicate in the file
        base_row(7, first_case="NO-SUCH"),
        base_row(8, phone="139123"),
        base_row(9, registered_org="53392301"),  # 云溪县信访局: another county
        base_row(10, closed_at="2021-03-02"),  # closed before it was answered
        base_row(11, purpose="04", sex="女"),  # code accepted; sex disagrees with the number
    ])
    assert "校验位" in errors[("X2", "证件号码")]
    assert "信访目的" in errors[("G3", "信访目的")]
    assert "不是有效日期" in errors[("D4", "信访日期")]
    assert "必须填写“答复意见”" in errors[("AH5", "答复意见")]
    assert "不应填写" in errors[("AD6", "承办单位")]
    assert "第2行重复" in errors[("A7", "原编号")]
    assert "NO-SUCH" in errors[("S8", "初访编号")]
    assert "联系电话" in errors[("Z9", "联系电话")]
    assert "管辖范围" in errors[("B10", "登记机构")]
    assert "不能早于" in errors[("AU11", "办结日期")]
    assert "性别" in errors[("V12", "性别")]
    assert ("G12", "信访目的") not in errors


def test_formula_cells_are_refused(orgs, county_triage, tmp_path):
    def formula(wb):
        wb[DATA_SHEET]["J2"] = '=CONCATENATE("a","b")'
    errors = errors_of(tmp_path, county_triage, [base_row(1)], edit=formula)
    assert "公式" in errors[("J2", "反映问题及诉求")]


def test_identity_number_typed_as_a_number_is_refused(orgs, county_triage, tmp_path):
    errors = errors_of(tmp_path, county_triage, [base_row(1, id_number=110101199003071233)])
    assert "文本格式" in errors[("X2", "证件号码")]


@pytest.mark.parametrize("case", ["not_xlsx", "zip_bomb", "external_links", "template_version", "not_template",
                                  "header", "too_many_rows", "macros"])
def test_refused_files_import_nothing(orgs, county_triage, tmp_path, settings, case):
    good = workbook_path(tmp_path, [base_row(1), base_row(2)])
    path = tmp_path / "bad.xlsx"
    if case == "not_xlsx":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .xls")
    elif case == "zip_bomb":
        rewrite_zip(good, path, add={"xl/media/padding.bin": b"\0" * (3 * 1024 * 1024)})
        settings.HISTORY_IMPORT_MAX_UNCOMPRESSED = 2 * 1024 * 1024
    elif case == "external_links":
        rewrite_zip(good, path, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    elif case == "macros":
        rewrite_zip(good, path, add={"xl/vbaProject.bin": b"VBA"})
    elif case == "template_version":
        workbook_path(tmp_path, [base_row(1)], name="bad.xlsx", edit=lambda wb: wb[META_SHEET].cell(1, 2, "0"))
    elif case == "not_template":
        wb = openpyxl.Workbook()
        wb.active.append(list(HEADERS))
        wb.save(path)
    elif case == "header":
        workbook_path(tmp_path, [base_row(1)], name="bad.xlsx", edit=lambda wb: wb[DATA_SHEET].cell(1, 3, "形式"))
    elif case == "too_many_rows":
        settings.HISTORY_IMPORT_MAX_ROWS = 1
        path = good
    with pytest.raises(ImportRefused) as exc:
        run(path, county_triage)
    assert exc.value.code == case
    assert path.name in exc.value.message or case == "too_many_rows"
    assert Case.objects.count() == 0
    assert AuditLog.objects.filter(action="case.history_import", succeeded=False).count() == 1


def test_a_lying_zip_header_cannot_inflate(orgs, county_triage, tmp_path):
    """A member whose directory entry declares a small size: zipfile stops at the declared size
    and the CRC check refuses the file instead of inflating it."""
    good = workbook_path(tmp_path, [base_row(1)])
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        assert "xl/worksheets/sheet2.xml" in z.namelist()
    # Shrink the declared uncompressed size in the central directory entry of the data sheet.
    name = b"xl/worksheets/sheet2.xml"
    central = raw.find(b"PK\x01\x02")
    while central != -1 and raw[central + 46:central + 46 + len(name)] != name:
        central = raw.find(b"PK\x01\x02", central + 4)
    assert central != -1
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "lying.xlsx"
    path.write_bytes(bytes(raw))
    with pytest.raises(ImportRefused):
        run(path, county_triage)
    assert Case.objects.count() == 0


def test_the_command_checks_and_imports(orgs, tmp_path, capsys):
    path = workbook_path(tmp_path, [base_row(1), base_row(2, registered_org=None)])
    call_command("import_history", str(path), "--dry-run", "--org", "53392201")
    assert "rows 2, valid 2" in capsys.readouterr().out and Case.objects.count() == 0
    call_command("import_history", str(path), "--org", "53392201")
    assert "created 2" in capsys.readouterr().out and Case.objects.count() == 2
    with pytest.raises(SystemExit):
        call_command("import_history", str(workbook_path(tmp_path, [base_row(3, petition_date="x")], name="b.xlsx")),
                     "--dry-run")
    out = tmp_path / "template.xlsx"
    call_command("import_history", "--template", str(out))
    assert openpyxl.load_workbook(out)[DATA_SHEET]["A1"].value == "原编号"


def test_only_valid_numbers_the_written_rows_without_gaps(orgs, county_triage, tmp_path):
    run(workbook_path(tmp_path, [base_row(1)], name="first.xlsx"), county_triage)
    rows = [base_row(1, first_case="NO-SUCH"), base_row(2, first_case="NO-SUCH"), base_row(3, purpose="x"),
            base_row(4, first_case="H-00001")]
    result = run(workbook_path(tmp_path, rows), county_triage, only_valid=True)
    assert (result.created, result.existing) == (1, 1)
    assert sorted(Case.objects.values_list("seq", flat=True)) == [1, 2]
    assert CaseCounter.objects.get(org__code="53392201", year=2021).last_seq == 2
    assert Case.objects.get(source_number="H-00004").first_case.source_number == "H-00001"
