"""Documents between instances (docs/architecture.md §6.2): a document issued on a shared case
travels with its ``issue_document`` trail entry — the frozen PDF, its 文号 and SHA-256, what it is
about — and appears on the other instance's copy of the case as issued there, never numbered or
rendered again. Registered in ``accounts.hooks.EXCHANGE_HANDLERS``
(petitions/services/instance_outbox.py calls ``export`` when it writes a package,
petitions/services/instance_apply.py ``apply`` when it takes one in).
"""
import os
import secrets
from datetime import datetime

from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from accounts.models import OrgUnit

from documents.models import CaseDocument
from documents.services import document_path, document_root

SUBJECT_KINDS = ("assignment", "extension", "review", "supervision")
STAGING_DIR = ".staging"


class DocumentExchange:
    actions = frozenset({"issue_document"})

    def export(self, event, key_of):
        """The document ``event`` issued, as it travels, and its PDF: ``(payload, {sha256: path})``."""
        doc = CaseDocument.objects.filter(event=event).select_related("org", "recipient_org", "petitioner",
                                                                      "issued_by").first()
        if doc is None:
            return None
        subject, _sep, pk = doc.subject_key.partition(":")
        subject_key = f"{subject}:{key_of(subject, int(pk))}" if subject in SUBJECT_KINDS and pk.isdigit() \
            else doc.subject_key
        payload = {
            "key": key_of("document", doc.pk), "kind": doc.kind, "subject_key": subject_key, "org": doc.org.code,
            "year": doc.year, "seq": doc.seq, "number": doc.number, "title": doc.title, "recipient": doc.recipient,
            "to_petitioner": doc.to_petitioner, "petitioner": doc.petitioner.position if doc.petitioner_id else None,
            "recipient_org": doc.recipient_org.code if doc.recipient_org_id else None,
            "planned_delivery": doc.planned_delivery, "values": doc.values, "size": doc.size, "sha256": doc.sha256,
            "pages": doc.pages, "version": doc.version, "supersedes": key_of("document", doc.supersedes_id),
            "correction_reason": doc.correction_reason, "issued_at": doc.issued_at.isoformat(),
            "issued_by": doc.issued_by.display_name,
        }
        for name in SUBJECT_KINDS:
            payload[name] = key_of(name, getattr(doc, f"{name}_id"))
        return payload, {doc.sha256: document_path(doc.stored_name)}

    def apply(self, *, case, event, payload, file_bytes, resolve, record_ref, account_for, cleanup):
        """Store the document of ``payload`` for ``case``, issued by its organization (through that
        organization's exchange account), linked to the local trail entry ``event``. A document
        already here is left alone; one whose 文号 is taken here is refused (``ServiceError``)."""
        if resolve("document", payload["key"]) is not None:
            return
        org = OrgUnit.objects.get(code=payload["org"])
        if CaseDocument.objects.filter(org=org, kind=payload["kind"], year=payload["year"],
                                       seq=payload["seq"]).exists():
            raise ServiceError(_("本系统已有文号为%(number)s的文书，未收入。") % {"number": payload["number"]},
                               code="document_number_taken")
        data = file_bytes(payload["sha256"])
        subject, _sep, key = payload["subject_key"].partition(":")
        subject_key = f"{subject}:{resolve(subject, key)}" if subject in SUBJECT_KINDS else payload["subject_key"]
        links = {f"{name}_id": resolve(name, payload.get(name)) if payload.get(name) else None
                 for name in SUBJECT_KINDS}
        token = secrets.token_hex(20)
        staging = document_root() / STAGING_DIR
        staging.mkdir(parents=True, exist_ok=True)
        staged = staging / f"{token}.part"
        with open(staged, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        cleanup.append(staged)
        stored_name = f"{token[:2]}/{token}.pdf"
        doc = CaseDocument.objects.create(
            case=case, kind=payload["kind"], subject_key=subject_key, org=org, year=payload["year"],
            seq=payload["seq"], number=payload["number"], title=payload["title"], recipient=payload["recipient"],
            to_petitioner=payload["to_petitioner"],
            petitioner=case.petitioners.filter(position=payload["petitioner"]).first() if payload["petitioner"] else None,
            recipient_org=OrgUnit.objects.filter(code=payload["recipient_org"]).first() if payload["recipient_org"]
            else None,
            planned_delivery=payload["planned_delivery"], values=payload["values"], stored_name=stored_name,
            size=len(data), sha256=payload["sha256"], pages=payload["pages"], version=payload["version"],
            supersedes_id=resolve("document", payload["supersedes"]) if payload["supersedes"] else None,
            correction_reason=payload["correction_reason"], event=event, issued_by=account_for(org),
            issued_at=datetime.fromisoformat(payload["issued_at"]), **links,
        )
        final = document_path(stored_name)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
        cleanup.append(final)
        record_ref("document", payload["key"], doc.pk)
