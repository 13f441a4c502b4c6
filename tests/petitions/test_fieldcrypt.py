"""Identity numbers are stored encrypted (SM4/SM3) and still found by equality."""
import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.urls import reverse

from petitions.lib import fieldcrypt
from petitions.models import Petitioner
from tests.petitions.workflow_helpers import clock, make_case  # noqa: F401 (clock is a fixture)

ID = "11010519491231002X"


def test_tokens_are_deterministic_authenticated_and_reversible(settings):
    token = fieldcrypt.encrypt(ID)
    assert token.startswith("s1:") and ID not in token and "110105" not in token
    assert fieldcrypt.encrypt(ID) == token                      # equality lookups work on the token
    assert fieldcrypt.encrypt("440524188001010014") != token
    assert fieldcrypt.decrypt(token) == ID
    assert fieldcrypt.encrypt("") == "" and fieldcrypt.decrypt("") == ""
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(ValueError):
        fieldcrypt.decrypt(tampered)
    settings.FIELD_ENCRYPTION_KEY = "ff" * 32                   # another key cannot read it
    with pytest.raises(ValueError):
        fieldcrypt.decrypt(token)


def test_the_database_holds_no_identity_number(clerk, clock):
    case = make_case(clerk, channel="visit")
    Petitioner.objects.filter(case=case).update(id_number=ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM petitions_petitioner WHERE case_id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("s1:") and ID not in stored
    person = Petitioner.objects.get(case=case)
    assert person.id_number == ID                               # plaintext in Python
    assert Petitioner.objects.filter(id_number=ID).count() == 1
    assert Petitioner.objects.filter(id_number__in=[ID, "440524188001010014"]).count() == 1
    assert list(Petitioner.objects.filter(case=case).values_list("id_number", flat=True)) == [ID]


def test_prefix_lookups_are_refused_not_silently_empty(db):
    with pytest.raises(FieldError):
        Petitioner.objects.filter(id_number__startswith="110105").exists()
    with pytest.raises(FieldError):
        Petitioner.objects.filter(id_number__icontains="1949").exists()


def test_search_by_id_number_finds_the_case_masked_without_the_pii_permission(client, clerk, triage, leader,
                                                                             clock):
    case = make_case(clerk, channel="visit")
    Petitioner.objects.filter(case=case).update(id_number=ID)
    client.force_login(triage)  # 分流员 holds view_pii
    location = client.post(reverse("petitions:search"), {"id_number": ID.lower()})["Location"]
    html = client.get(location).content.decode()
    assert case.number in html and f"<td>{ID}</td>" in html
    client.force_login(leader)  # 领导: no view_pii
    location = client.post(reverse("petitions:search"), {"id_number": ID})["Location"]
    html = client.get(location).content.decode()
    assert case.number in html and f"<td>{ID}</td>" not in html and "<td>110105********002X</td>" in html


PHONE, ADDRESS = "13800001111", "石门县石门镇青峰村12号"


def test_the_database_holds_no_phone_number_or_address(clerk, clock):
    """Phone numbers and addresses are encrypted like identity numbers: the phone as a
    deterministic token (found by equality), the address with a random IV (never searched)."""
    first = make_case(clerk, channel="visit")
    second = make_case(clerk, channel="visit")
    for case in (first, second):  # one write each: every write of an address draws its own IV
        Petitioner.objects.filter(case=case).update(phone=PHONE, address=ADDRESS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address FROM petitions_petitioner WHERE case_id IN (%s, %s) ORDER BY id",
                       [first.pk, second.pk])
        (phone1, address1), (phone2, address2) = cursor.fetchall()
    assert phone1.startswith("s1:") and PHONE not in phone1 and phone1 == phone2
    assert address1.startswith("r1:") and "青峰村" not in address1 and address1 != address2
    assert Petitioner.objects.filter(phone=PHONE).count() == 2
    assert {p.address for p in Petitioner.objects.filter(case__in=[first, second])} == {ADDRESS}
    with pytest.raises(FieldError):
        Petitioner.objects.filter(address__contains="青峰").exists()
    with pytest.raises(FieldError):
        Petitioner.objects.filter(address=ADDRESS).exists()


def test_a_tampered_address_does_not_decrypt(clerk, clock):
    case = make_case(clerk, channel="visit")
    Petitioner.objects.filter(case=case).update(address=ADDRESS)
    token = fieldcrypt.seal(ADDRESS)
    with pytest.raises(ValueError):
        fieldcrypt.unseal(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))


def test_saved_search_criteria_are_stored_encrypted_not_in_the_session(client, clerk, triage, clock):
    from petitions.models import SavedSearch

    client.force_login(triage)
    client.post(reverse("petitions:search"), {"id_number": ID, "phone": PHONE})
    assert "xf_saved_searches" not in client.session
    with connection.cursor() as cursor:
        cursor.execute("SELECT criteria FROM petitions_savedsearch")
        (stored,) = cursor.fetchone()
    assert stored.startswith("r1:") and ID not in stored and PHONE not in stored
    assert SavedSearch.objects.get().user == triage
