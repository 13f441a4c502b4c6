"""What issuing documents costs (README, "文书与送达"; budget: one document ≤ 300 ms, a mailing batch of
100 notices in one PDF ≤ 15 s at ≤ 300 MB).

    .venv/bin/python bench/documents.py [--issue N] [--batch M]

- Issue: N 登记回执 (receipts: the QR code, two fonts) issued one after the other through
  ``document_issue``, each on its own case: the whole service call (rule, values, number, render,
  file, rows, event, audit row) as the clerk's click waits for it. Median, 90th percentile, maximum.
- Batch: M 不予受理告知书 issued for mail, then the day's mailing batch (``mailing_batch_pdf``: the
  address labels and the M frozen copies joined) built in a fresh process, whose wall time and peak
  resident memory (ru_maxrss, the whole process with Django) are reported.

Runs against a throw-away SQLite file (or DATABASE_URL if given, which must be an empty database),
migrated first, with the demo organizations and users; the PDFs go to a temporary DOCUMENT_ROOT.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(workdir):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ["DJANGO_DOCUMENT_ROOT"] = str(Path(workdir) / "documents")
    os.environ["DJANGO_PETITIONER_SMS_GATEWAY"] = ""
    import django

    django.setup()


def _cases(n, clerk):
    from petitions.models import Case, Channel
    from petitions.services.intake import register_case

    people = [{"name": "李建华", "address": "青峰州石门县石门镇人民路8号", "phone": "13908871234"}]
    return [Case.objects.get(pk=register_case(
        actor=clerk, channel=Channel.LETTER, data={"content": f"反映拖欠工资问题（{i}），请求督促企业支付。"},
        petitioners=people, submit_token=uuid.uuid4().hex).pk) for i in range(n)]


def prepare():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.demo import load_demo_orgs, load_demo_users
    from accounts.seed import seed_roles

    seed_roles()
    load_demo_orgs()
    load_demo_users()


def bench_issue(n):
    from accounts.models import User
    from documents.kinds import DocumentKind
    from documents.services import document_issue

    clerk = User.objects.get(username="clerk")
    cases = _cases(n + 1, clerk)
    document_issue(actor=clerk, case=cases[0], kind=DocumentKind.RECEIPT)  # warm: fonts, stylesheet
    times = []
    for case in cases[1:]:
        start = time.perf_counter()
        document_issue(actor=clerk, case=case, kind=DocumentKind.RECEIPT)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"issue 登记回执 x{n}: median {statistics.median(times):.0f} ms, "
          f"p90 {times[int(0.9 * (n - 1))]:.0f} ms, max {times[-1]:.0f} ms")


def prepare_batch(m):
    from accounts.models import User
    from documents.kinds import DocumentKind
    from documents.services import document_issue
    from petitions.models import DictEntry, DictKind
    from petitions.services.transitions import case_transition

    clerk, triage = User.objects.get(username="clerk"), User.objects.get(username="triage")
    reason = DictEntry.objects.get(kind=DictKind.REJECT_REASON, code="1")
    start = time.perf_counter()
    for case in _cases(m, clerk):
        case_transition(case=case, action="reject", actor=triage, reason=reason, channel="依法向人民法院提起诉讼。")
        document_issue(actor=triage, case=case, kind=DocumentKind.REJECTION, delivery="mail")
    print(f"issued {m} 不予受理告知书 for mail in {time.perf_counter() - start:.1f} s")


def run_batch():
    from django.utils import timezone

    from accounts.models import User
    from documents.selectors import mailing_documents
    from documents.services import mailing_batch_pdf

    triage = User.objects.get(username="triage")
    start = time.perf_counter()
    documents = mailing_documents(triage, timezone.localdate())
    pdf = mailing_batch_pdf(documents)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from pypdf import PdfReader
    import io

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"mailing batch of {len(documents)} notices: {elapsed:.1f} s, {len(pdf) / 1e6:.1f} MB, {pages} pages, "
          f"peak RSS of the process {peak:.0f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--issue", type=int, default=30)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--batch-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_only:
        _setup(args.batch_only)
        run_batch()
        return
    with tempfile.TemporaryDirectory(prefix="xf-bench-documents-") as workdir:
        _setup(workdir)
        prepare()
        bench_issue(args.issue)
        prepare_batch(args.batch)
        from django.db import connections

        connections.close_all()
        subprocess.run([sys.executable, __file__, "--batch-only", workdir], check=True, env=os.environ.copy())


if __name__ == "__main__":
    main()
