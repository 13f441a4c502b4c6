"""What the portal shows of a case, in one shape whichever way the portal runs (docs/architecture.md §7).

In the single-database setup ``portal.selectors`` fills these classes from the staff models at each
request. Across the network gap the intranet fills the same classes, writes them as JSON
(``sheet_dump``) sealed under the case's query code (``portal.sealing``), and the internet side reads
them back from its mirror (``sheet_load``). Nothing here reads a model, so the internet-side
deployment, which installs no staff app, imports this module as it is.

Labels (states, review levels, evaluation targets and values, handover steps, kinds of document)
travel as their gettext message ids, which are the Chinese wording (docs/architecture.md §11.3):
the intranet writes them with translation switched off, and ``sheet_load`` translates them for the
visitor's language. Names of organizations, document titles and texts written by staff are shown
as written, as on the staff side.
"""
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext


@dataclass(frozen=True)
class PublicReview:
    level_label: str
    requested_on: date
    org_name: str
    due: date | None
    decided_on: date | None
    opinion: str


@dataclass(frozen=True)
class PublicEvaluation:
    target: str
    target_label: str
    value_label: str | None  # None: not evaluated yet


@dataclass(frozen=True)
class PublicNote:
    """A request the petitioner made on the internet side that the intranet has not answered yet, or
    answered with a refusal (``refused``) whose reason ``text`` carries."""

    on: date
    text: str
    refused: bool = False


@dataclass
class PublicCase:
    """What the portal shows of a case to the holder of its query code (precomputed for the template)."""

    number: str
    status_label: str
    registered_on: date
    bureau_name: str
    handling_unit: str
    accepted_on: date | None
    answered_on: date | None
    closed_on: date | None
    answer_text: str
    public_reply: str
    public_reply_on: date | None
    reviews: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    can_evaluate: bool = False
    review_open: bool = False
    review_label: str = ""
    review_until: date | None = None
    notes: list = field(default_factory=list)

    @property
    def evaluated(self):
        return [e for e in self.evaluations if e.value_label]

    @property
    def show_evaluation(self):
        return self.can_evaluate or bool(self.evaluated)


@dataclass(frozen=True)
class PublicHandover:
    on: date
    label: str


@dataclass(frozen=True)
class PublicReply:
    published_on: date
    bureau_name: str
    problem: str
    text: str


@dataclass(frozen=True)
class PublicDocument:
    """A document issued to the petitioner: ``pk`` is the intranet's id (the download URL's)."""

    pk: int
    title: str
    number: str
    issued_on: date
    org_name: str
    superseded: bool
    kind_label: str
    version: int

    def filename(self, case_number):
        return f"{case_number}-{self.kind_label}-{self.version}.pdf"


@dataclass
class CaseSheet:
    """Everything the case page shows: the case, the handover dates, the petitioner's documents and
    the evaluation targets still open (``(target, label)`` pairs for the form)."""

    case: PublicCase
    handovers: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    evaluation_targets: list = field(default_factory=list)


# --- to and from the sealed JSON of the mirror ---------------------------------------------------

def _day(value):
    return value.isoformat() if value is not None else None


def _parse_day(value):
    return date.fromisoformat(value) if value else None


def _label(value):
    return gettext(value) if value else value


def sheet_dump(sheet):
    """``sheet`` as JSON-ready data (dates as ISO strings; labels as they are, so the caller writes
    them with translation switched off to carry message ids)."""
    c = sheet.case
    return {
        "number": c.number, "status": str(c.status_label), "registered_on": _day(c.registered_on),
        "bureau": c.bureau_name, "handling_unit": c.handling_unit, "accepted_on": _day(c.accepted_on),
        "answered_on": _day(c.answered_on), "closed_on": _day(c.closed_on), "answer_text": c.answer_text,
        "public_reply": c.public_reply, "public_reply_on": _day(c.public_reply_on),
        "reviews": [{"level": str(r.level_label), "requested_on": _day(r.requested_on), "org": r.org_name,
                     "due": _day(r.due), "decided_on": _day(r.decided_on), "opinion": r.opinion} for r in c.reviews],
        "evaluations": [{"target": e.target, "target_label": str(e.target_label),
                         "value_label": str(e.value_label) if e.value_label else None} for e in c.evaluations],
        "can_evaluate": c.can_evaluate, "review_open": c.review_open, "review_label": str(c.review_label),
        "review_until": _day(c.review_until),
        "handovers": [{"on": _day(h.on), "label": str(h.label)} for h in sheet.handovers],
        "documents": [{"id": d.pk, "title": d.title, "number": d.number, "issued_on": _day(d.issued_on),
                       "org": d.org_name, "superseded": d.superseded, "kind": str(d.kind_label),
                       "version": d.version} for d in sheet.documents],
        "evaluation_targets": [[target, str(label)] for target, label in sheet.evaluation_targets],
    }


def sheet_load(data, *, today):
    """The ``CaseSheet`` of ``sheet_dump``'s data, labels translated for the current language.

    The review window is open only while ``today`` is within it (it closes by the calendar, with no
    event on the intranet to send a new sheet)."""
    until = _parse_day(data["review_until"])
    review_open = bool(data["review_open"]) and until is not None and today <= until
    case = PublicCase(
        number=data["number"], status_label=_label(data["status"]), registered_on=_parse_day(data["registered_on"]),
        bureau_name=data["bureau"], handling_unit=data["handling_unit"], accepted_on=_parse_day(data["accepted_on"]),
        answered_on=_parse_day(data["answered_on"]), closed_on=_parse_day(data["closed_on"]),
        answer_text=data["answer_text"], public_reply=data["public_reply"],
        public_reply_on=_parse_day(data["public_reply_on"]),
        reviews=[PublicReview(level_label=_label(r["level"]), requested_on=_parse_day(r["requested_on"]),
                              org_name=r["org"], due=_parse_day(r["due"]), decided_on=_parse_day(r["decided_on"]),
                              opinion=r["opinion"]) for r in data["reviews"]],
        evaluations=[PublicEvaluation(target=e["target"], target_label=_label(e["target_label"]),
                                      value_label=_label(e["value_label"])) for e in data["evaluations"]],
        can_evaluate=bool(data["can_evaluate"]), review_open=review_open,
        review_label=_label(data["review_label"]) if review_open else "", review_until=until if review_open else None,
    )
    return CaseSheet(
        case=case,
        handovers=[PublicHandover(on=_parse_day(h["on"]), label=_label(h["label"])) for h in data["handovers"]],
        documents=[PublicDocument(pk=d["id"], title=d["title"], number=d["number"], issued_on=_parse_day(d["issued_on"]),
                                  org_name=d["org"], superseded=d["superseded"], kind_label=_label(d["kind"]),
                                  version=d["version"]) for d in data["documents"]],
        evaluation_targets=[(target, _label(label)) for target, label in data["evaluation_targets"]],
    )
