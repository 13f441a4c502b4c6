"""Cases for the document tests: registered through the real service, with a petitioner who has an
address and a mobile number, and the texts of a PDF."""
import uuid

from documents.rendering import pdf_text
from petitions import clock as clock_module
from petitions.models import Case, Channel
from petitions.services.intake import register_case

PERSON = {"name": "李建华", "address": "青峰州石门县石门镇人民路8号", "phone": "13908871234"}


def make_case(actor, *, person=PERSON, confidential=False, accused_org=None, **data):
    payload = {"content": "反映某公司拖欠工资三个月，请求督促企业支付。", "summary": "反映拖欠工资问题",
               "is_confidential": confidential, "accused_org": accused_org, **data}
    people = [dict(person)] if person else []
    case = register_case(actor=actor, channel=Channel.LETTER, data=payload, petitioners=people,
                         submit_token=uuid.uuid4().hex, registered_at=clock_module.now())
    return Case.objects.get(pk=case.pk)


def text_of(document):
    from documents.services import document_open

    with document_open(document) as handle:
        return "".join(pdf_text(handle.read()).split())
