"""Signed data packages between levels (docs/architecture.md §6): export, verification, idempotent import.

A package is built from cases made by the real services inside a block that is rolled back
afterwards, so the import then meets a database in which those cases never existed — the
situation of the prefecture receiving a county's package (the instances share org codes).
"""
import base64
import io
import json
import os
import stat
import zipfile
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.exceptions import NotAllowed
from accounts.models import AuditLog
from petitions.lib import package as pkg
from petitions.models import Attachment, Case, CaseCounter, CaseEvent, ExchangeKey, Petitioner
from petitions.services.attachments import storage_path
from petitions.services.exchange import (
    exchange_key_deactivate, exchange_key_register, package_export, package_import,
)
from petitions.workflow import Status
from reports import definitions
from reports.selectors import Period, Scope
from reports.tables import ROW_TOTAL
from tests.petitions.intake_factories import dicts, id_number, person, register  # noqa: F401 (fixture)
from tests.petitions.workflow_helpers import act, cast, clock, make_case, org  # noqa: F401 (fixtures)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
START, END = date(2026, 3, 1), date(2026, 3, 31)
COUNTY = "533922"  # 石门县, the sending instance
OTHER_COUNTY = "533923"


class Rollback(Exception):
    pass


@pytest.fixture
def county_key(orgs):
    key = Ed25519PrivateKey.generate()
    exchange_key_register(org=org(COUNTY), public_key=pkg.public_key_text(key.public_key()))
    return key


def built(make, *, key, org_code=COUNTY, start=START, end=END, exports=1):
    """Run ``make()`` (which creates cases), export after it, roll everything back and
    return the package bytes. ``make`` may be a generator: one package per ``yield``."""
    packages = []
    with pytest.raises(Rollback), transaction.atomic():
        steps = make()
        for _step in (steps if hasattr(steps, "__next__") else [None]):
            out = io.BytesIO()
            package_export(org=org(org_code), start=start, end=end, out=out, private_key=key)
            packages.append(out.getvalue())
        raise Rollback
    return packages if exports > 1 or len(packages) > 1 else packages[0]


def load(data, **kwargs):
    return package_import(fileobj=io.BytesIO(data), size=len(data), **kwargs)


def rebuild(data, *, key, manifest_change=None, members=None, extra=None, resign=True):
    """A copy of a package with members replaced or added; the manifest re-hashed and re-signed
    with ``key`` when ``resign`` (a sender misusing a genuine key), else kept as it was."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        content = {i.filename: src.read(i) for i in src.infolist()}
    content.update(members or {})
    manifest = json.loads(content[pkg.MANIFEST])
    if resign:
        for name in set(content) - {pkg.MANIFEST, pkg.SIGNATURE}:
            manifest["files"][name] = pkg.sha256_hex(content[name])
        if manifest_change:
            manifest_change(manifest)
        content[pkg.MANIFEST] = json.dumps(manifest).encode()
        content[pkg.SIGNATURE] = base64.b64encode(key.sign(content[pkg.MANIFEST]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, value in {**content, **(extra or {})}.items():
            dst.writestr(name, value)
    return out.getvalue()


def totals():
    return {"cases": Case.objects.count(), "events": CaseEvent.objects.count(),
            "petitioners": Petitioner.objects.count(), "attachments": Attachment.objects.count()}


@pytest.fixture
def two_county_cases(clock, cast, dicts):
    def make():
        register(cast.county_clerk, petitioners=[person("王秀英", seq=27, phone="13800001111")],
                 files=[SimpleUploadedFile("判决书.pdf", PDF)], registered_at=clock.now())
        make_case(cast.county_clerk, content="反映村道损毁，请求修复。")
    return make


# ---------------------------------------------------------------- happy path

def test_import_creates_cases_with_petitioners_events_and_attachments(county_key, two_county_cases, cast):
    data = built(two_county_cases, key=county_key)
    assert not Case.objects.exists()
    before = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0  # ids, not a count:
    # PostgreSQL sequences keep advancing across rolled-back tests

    report = load(data, actor=cast.triage)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, [])
    cases = list(Case.objects.order_by("seq"))
    assert [c.number for c in cases] == ["53392201-2026-000001", "53392201-2026-000002"]
    assert {c.registered_org.code for c in cases} == {"53392201"}
    assert all(c.registered_path == org("53392201").path and c.status == Status.PENDING for c in cases)
    # The identity number is written through the ORM: encrypted with this instance's key, found by equality.
    wang = Petitioner.objects.get(name="王秀英")
    assert wang.id_number == id_number(seq=27) and wang.case == cases[0]
    assert Petitioner.objects.filter(id_number=id_number(seq=27)).count() == 1
    # Events are history: keyed, no local actor, no audit row of their own.
    events = list(CaseEvent.objects.filter(case__in=cases))
    assert report.events_created == len(events) >= 2
    assert all(e.audit_id is None and e.actor_id is None and e.data["exchange"]["key"] for e in events)
    assert {e.data["exchange"]["actor"] for e in events} == {"county_clerk"}
    assert {e.actor_org.code for e in events} == {"53392201"}
    # The attachment file came along and is stored with its checksum.
    attachment = Attachment.objects.get()
    assert attachment.case == cases[0] and attachment.original_name == "判决书.pdf"
    assert attachment.event.action == "register" and attachment.event.case == cases[0]
    assert storage_path(attachment.stored_name).read_bytes() == PDF
    assert report.attachments_created == 1
    # Local numbering continues after the imported numbers.
    assert CaseCounter.objects.get(org=org("53392201"), year=2026).last_seq == 2
    # Exactly one audit row for the whole import, with the counts.
    rows = list(AuditLog.objects.filter(pk__gt=before).order_by("id"))
    assert [r.action for r in rows] == ["exchange.import"]
    assert rows[0].data["created"] == 2 and rows[0].data["events_created"] == len(events)
    assert rows[0].actor == cast.triage and rows[0].succeeded


def test_second_import_changes_nothing(county_key, two_county_cases):
    data = built(two_county_cases, key=county_key)
    load(data)
    after_first = totals()
    versions = dict(Case.objects.values_list("number", "version"))

    again = load(data)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert (again.events_created, again.attachments_created, again.rejected) == (0, 0, [])
    assert totals() == after_first
    assert dict(Case.objects.values_list("number", "version")) == versions


def test_newer_events_and_state_are_merged(county_key, clock, cast):
    def make():
        make_case(cast.county_clerk)
        yield
        clock.day(3)
        act(Case.objects.get(), "transfer", cast.county_triage, targets=[{"org": org("533922101")}])
        yield

    first, second = built(make, key=county_key)
    load(first)
    case = Case.objects.get()
    assert case.status == Status.PENDING and case.events.count() == 1

    report = load(second)

    assert (report.created, report.updated, report.events_created) == (0, 1, 1)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_ACCEPTANCE and case.version == 2
    with zipfile.ZipFile(io.BytesIO(second)) as archive:
        sent = json.loads(archive.read(pkg.CASES).decode().splitlines()[0])
    assert case.current_due.isoformat() == sent["current_due"] and case.holder_org.code == sent["holder_org"]
    assert list(case.events.values_list("action", flat=True)) == ["register", "transfer"]
    # An older package arriving late changes nothing: its version is behind, its events are present.
    late = load(first)
    assert (late.updated, late.unchanged, late.events_created) == (0, 1, 0)
    case.refresh_from_db()
    assert case.status == Status.AWAITING_ACCEPTANCE


def test_imported_cases_count_once_under_their_county(county_key, two_county_cases, cast):
    data = built(two_county_cases, key=county_key)
    load(data)
    scope = Scope(org=org("533900"), period=Period(START, END))

    def counted():
        table = definitions.summary_report(cast.statistician, scope)
        keys = [leaf.key for leaf in table.leaves]
        labels = [leaf.label for leaf in table.leaves]
        total = next(r for r in table.rows if r.kind == ROW_TOTAL)
        return total.cells[keys.index("all")], total.cells[labels.index("石门县")]

    assert counted() == (2, 2)
    load(data)  # the same package again
    assert counted() == (2, 2)


# ---------------------------------------------------------------- refusals

def assert_rejected(data, code):
    before = totals()
    with pytest.raises(pkg.PackageRejected) as exc:
        load(data)
    assert exc.value.code == code
    assert totals() == before
    failed = AuditLog.objects.filter(action="exchange.import").latest("id")
    assert failed.succeeded is False and failed.data == {"code": code}


def test_tampered_member_is_rejected(county_key, two_county_cases):
    data = built(two_county_cases, key=county_key)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        cases = src.read(pkg.CASES).replace("王秀英".encode(), "王秀华".encode())
    assert_rejected(rebuild(data, key=county_key, members={pkg.CASES: cases}, resign=False), pkg.HASH_MISMATCH)


def test_package_signed_with_another_key_is_rejected(county_key, two_county_cases):
    assert_rejected(built(two_county_cases, key=Ed25519PrivateKey.generate()), pkg.BAD_SIGNATURE)


def test_package_of_a_deactivated_key_is_rejected(county_key, two_county_cases):
    data = built(two_county_cases, key=county_key)
    exchange_key_deactivate(key=ExchangeKey.objects.get())
    assert_rejected(data, pkg.UNKNOWN_KEY)


def test_wrong_schema_version_is_rejected(county_key, two_county_cases):
    data = built(two_county_cases, key=county_key)
    assert_rejected(rebuild(data, key=county_key, manifest_change=lambda m: m.update(schema=2)), pkg.BAD_SCHEMA)


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/cron.d/x", "attachments/../../x", "attachments/abc"])
def test_member_outside_the_format_is_rejected(county_key, two_county_cases, name):
    data = built(two_county_cases, key=county_key)
    assert_rejected(rebuild(data, key=county_key, extra={name: b"x"}, resign=False), pkg.BAD_MEMBER)


def test_oversized_package_is_rejected(county_key, two_county_cases, settings):
    data = built(two_county_cases, key=county_key)
    settings.EXCHANGE_MAX_BYTES = len(data) - 1
    assert_rejected(data, pkg.TOO_LARGE)


def test_zip_bomb_member_is_rejected(county_key, two_county_cases, settings):
    data = built(two_county_cases, key=county_key)
    bomb = b"\0" * (4 * 1024 * 1024)  # compresses to a few KB
    settings.EXCHANGE_MAX_BYTES = 1024 * 1024
    compressed = rebuild(data, key=county_key, members={pkg.EVENTS: bomb})
    assert len(compressed) < settings.EXCHANGE_MAX_BYTES
    assert_rejected(compressed, pkg.TOO_LARGE)


@pytest.mark.parametrize("line", [
    b"[1, 2]\n", b"not json\n",
    b'{"number": "53392201-2026-000009", "registered_org": "53392201", "year": 2026, "seq": 9}\n',
])
def test_malformed_row_in_a_signed_package_is_rejected(county_key, two_county_cases, line):
    data = built(two_county_cases, key=county_key)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        cases = src.read(pkg.CASES) + line
    forged = rebuild(data, key=county_key, members={pkg.CASES: cases},
                     manifest_change=lambda m: m["counts"].update(cases=3))
    assert_rejected(forged, pkg.BAD_ROW)


def test_not_a_zip_is_rejected(county_key):
    assert_rejected(b"PK\x03\x04 not really", pkg.BAD_ZIP)


def test_case_outside_the_signers_subtree_is_rejected_and_reported(county_key, clock, cast):
    def make():
        make_case(cast.county_clerk)
        make_case(cast.other_county_clerk)
    # Built at the prefecture level (both counties), then passed off as the county's package.
    data = built(make, key=county_key, org_code="533900")
    forged = rebuild(data, key=county_key, manifest_change=lambda m: m.update(source_org=COUNTY))

    report = load(forged)

    assert report.created == 1 and Case.objects.get().number.startswith("53392201-")
    assert [n for n, _reason in report.rejected] == ["53392301-2026-000001"]
    assert "不在发送机构" in report.rejected[0][1]
    assert not CaseEvent.objects.exclude(case__registered_org=org("53392201")).exists()
    assert AuditLog.objects.filter(action="exchange.import").latest("id").data["rejected"] == 1


# ---------------------------------------------------------------- permissions and commands

def test_import_and_export_need_the_exchange_permission(county_key, two_county_cases, cast):
    data = built(two_county_cases, key=county_key)
    with pytest.raises(NotAllowed):
        load(data, actor=cast.statistician)
    with pytest.raises(NotAllowed):
        package_export(org=org(COUNTY), start=START, end=END, out=io.BytesIO(), actor=cast.statistician,
                       private_key=county_key)
    # A triage officer exports only within his own subtree.
    with pytest.raises(NotAllowed):
        package_export(org=org(OTHER_COUNTY), start=START, end=END, out=io.BytesIO(), actor=cast.county_triage,
                       private_key=county_key)
    assert not Case.objects.exists()
    # His own county (his bureau answers for its territory) he may export.
    manifest = package_export(org=org(COUNTY), start=START, end=END, out=io.BytesIO(), actor=cast.county_triage,
                              private_key=county_key)
    assert manifest["source_org"] == COUNTY


def test_commands_keygen_export_import(orgs, clock, cast, tmp_path, settings, capsys):
    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "var" / "key.pem"
    call_command("exchange_keygen")
    assert stat.S_IMODE(os.stat(settings.EXCHANGE_PRIVATE_KEY_PATH).st_mode) == 0o600
    public = capsys.readouterr().out.split("public key: ")[1].strip()
    call_command("exchange_key_register", org=COUNTY, public_key=public)
    out = tmp_path / "pkg.zip"
    with pytest.raises(Rollback), transaction.atomic():
        make_case(cast.county_clerk)
        call_command("export_package", "--org", COUNTY, "--start", "2026-03-01", "--end", "2026-03-31",
                     "--out", str(out))
        raise Rollback
    capsys.readouterr()

    call_command("import_package", str(out), user=cast.triage.username)
    assert "created 1, updated 0" in capsys.readouterr().out
    call_command("import_package", str(out))
    assert "created 0, updated 0, unchanged 1" in capsys.readouterr().out
    assert Case.objects.count() == 1


def test_export_leaves_out_cases_of_other_periods_and_subtrees(county_key, clock, cast):
    def make():
        make_case(cast.county_clerk)
        make_case(cast.other_county_clerk)
        clock.set(date(2026, 5, 4))
        make_case(cast.county_clerk, registered_at=clock.now())
    data = built(make, key=county_key)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read(pkg.MANIFEST))
        numbers = [json.loads(line)["number"] for line in archive.read(pkg.CASES).decode().splitlines()]
    assert numbers == ["53392201-2026-000001"]
    assert manifest["source_org"] == COUNTY and manifest["counts"]["cases"] == 1
    assert manifest["period"] == {"start": "2026-03-01", "end": "2026-03-31"}


# ---------------------------------------------------------------- page

def test_page_imports_an_upload_and_shows_the_report(county_key, two_county_cases, cast, client):
    data = built(two_county_cases, key=county_key)
    client.force_login(cast.triage)
    assert client.get(reverse("petitions:exchange")).status_code == 200

    response = client.post(reverse("petitions:exchange_import"),
                           {"file": SimpleUploadedFile("pkg.zip", data, content_type="application/zip")})

    assert response.status_code == 200
    assert response.context["report"].created == 2 and Case.objects.count() == 2
    assert 'id="report-created">2<' in response.content.decode()
    again = client.post(reverse("petitions:exchange_import"), {"file": SimpleUploadedFile("pkg.zip", data)})
    assert again.context["report"].created == 0 and again.context["report"].updated == 0


def test_page_refuses_a_tampered_upload(county_key, two_county_cases, cast, client):
    data = built(two_county_cases, key=county_key)
    bad = rebuild(data, key=county_key, extra={"../x": b"1"}, resign=False)
    client.force_login(cast.triage)
    response = client.post(reverse("petitions:exchange_import"), {"file": SimpleUploadedFile("pkg.zip", bad)})
    assert response.status_code == 400 and "不允许的文件名" in response.content.decode()
    assert not Case.objects.exists()


def test_page_exports_a_download_for_the_own_jurisdiction(county_key, clock, cast, client, settings, tmp_path):
    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "key.pem"
    from cryptography.hazmat.primitives import serialization

    settings.EXCHANGE_PRIVATE_KEY_PATH.write_bytes(county_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    make_case(cast.county_clerk)
    client.force_login(cast.county_triage)
    post = {"org": org(COUNTY).pk, "start": "2026-03-01", "end": "2026-03-31"}

    response = client.post(reverse("petitions:exchange_export"), post)

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="xf-533922-20260301-20260331.zip"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.read(pkg.CASES).decode().count("\n") == 1
    # Another county is not in his jurisdiction; nobody without the right gets the page.
    other = client.post(reverse("petitions:exchange_export"), {**post, "org": org(OTHER_COUNTY).pk})
    assert other.status_code == 400
    client.force_login(cast.statistician)
    assert client.get(reverse("petitions:exchange")).status_code == 403
    assert client.post(reverse("petitions:exchange_export"), post).status_code == 403


def test_page_export_without_a_signing_key_says_so(orgs, cast, client, settings, tmp_path):
    settings.EXCHANGE_PRIVATE_KEY_PATH = tmp_path / "missing.pem"
    client.force_login(cast.county_triage)
    response = client.post(reverse("petitions:exchange_export"),
                           {"org": org(COUNTY).pk, "start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 400 and "exchange_keygen" in response.content.decode()
    labels = [str(item["label"]) for item in client.get(reverse("home")).context["nav_items"]]
    assert "数据交换" in labels
