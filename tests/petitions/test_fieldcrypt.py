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


# --- reuse of the key schedule per key (accounts/crypto.py; docs/performance.md §13) --------------

KEY_A, KEY_B = "0f" * 32, "e1" * 32
ADDRESS_IV = bytes(range(16))


def _fresh_cbc_decrypt(key, iv, body):
    """The textbook way, one cipher context per token: what accounts.crypto did before the reuse."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(body) + decryptor.finalize()) + unpadder.finalize()


def test_tokens_are_byte_for_byte_those_of_the_scheme():
    """Known answers computed with the code before the reuse: same keys, same tokens, same format."""
    from accounts.crypto import derive_keys

    k_enc, k_mac = derive_keys("field", "s1", KEY_A)
    assert k_enc.hex() == "b7638bbc38a23cfdaca8794bc3ab9700"
    assert k_mac.hex() == "da3a600f5eaadce650a758781edb1b8950fefc895f09d5150b7bfa89bf3f9c18"
    token = "s1:F87_JK08ye-Tu-fxozghhW3udnpMa2fcSXf1nRselib5FealLTx2fMGrp0tjppu_"
    assert fieldcrypt.encrypt(ID, master_hex=KEY_A) == token
    assert fieldcrypt.decrypt(token, master_hex=KEY_A) == ID
    phone = "s1:q6FMgggeB5lEIoACOm7oA4WowtTfKqjdM0VCcnF3HX0"
    assert fieldcrypt.encrypt("13800001234", master_hex=KEY_A) == phone
    assert fieldcrypt.decrypt(phone, master_hex=KEY_A) == "13800001234"
    sealed = ("r1:AAECAwQFBgcICQoLDA0OD35JuzxQohieOXAfzcV_gbJxSJL9WMdyknfCfORXEF9uCq6SCd8LdEJR4VlyhlKKyQDyeumSpN2dv-"
              "WXEx22R614hWCM14URIVKQvCDNeaYM")
    assert fieldcrypt.seal("青峰州石门县石门镇朝阳路8号", master_hex=KEY_A, iv=ADDRESS_IV) == sealed
    assert fieldcrypt.unseal(sealed, master_hex=KEY_A) == "青峰州石门县石门镇朝阳路8号"


def test_reused_decryptor_gives_exactly_the_fresh_context_result_across_lengths_and_keys():
    """Whatever the previous call left in the long-lived decryptor (another token, another key,
    a longer or shorter body), each token decrypts as a fresh CBC context would decrypt it."""
    import hashlib

    from accounts import crypto

    keys = [crypto.derive_keys("field", "s1", KEY_A)[0], crypto.derive_keys("field", "s1", KEY_B)[0]]
    cases = []
    for length in range(0, 70):
        data = hashlib.sha256(str(length).encode()).digest() * 3
        iv = hashlib.sha256(b"iv" + bytes([length])).digest()[:crypto.BLOCK]
        key = keys[length % 2]
        cases.append((key, iv, crypto.sm4_cbc_encrypt(key, iv, data[:length]), data[:length]))
    for key, iv, body, plain in cases + cases[::-1]:  # interleaved keys, growing then shrinking bodies
        assert crypto.sm4_cbc_decrypt(key, iv, body) == _fresh_cbc_decrypt(key, iv, body) == plain


def test_malformed_ciphertext_is_refused_and_leaves_the_next_token_intact():
    """A body that is not whole blocks is refused before it reaches the shared decryptor, so no
    partial block is buffered into the next token's decryption."""
    from accounts import crypto

    key = crypto.derive_keys("field", "s1", KEY_A)[0]
    iv = bytes(16)
    good = crypto.sm4_cbc_encrypt(key, iv, b"13800001234")
    for bad_iv, bad_body in ((iv, good[:-1]), (iv, good + b"x"), (iv, b""), (iv[:15], good), (b"", good)):
        with pytest.raises(ValueError):
            crypto.sm4_cbc_decrypt(key, bad_iv, bad_body)
        assert crypto.sm4_cbc_decrypt(key, iv, good) == b"13800001234"
    token = fieldcrypt.encrypt(ID, master_hex=KEY_A)
    for bad in (token[:-3], token[:3 + 22], token[:-1] + ("A" if token[-1] != "A" else "B"), "s1:", "s1:@@@@"):
        with pytest.raises(ValueError):
            fieldcrypt.decrypt(bad, master_hex=KEY_A)
        assert fieldcrypt.decrypt(token, master_hex=KEY_A) == ID
    sealed = fieldcrypt.seal(ADDRESS, master_hex=KEY_A)
    with pytest.raises(ValueError):  # bad padding under a valid tag cannot occur; a cut tag is refused
        fieldcrypt.unseal(sealed[:-4], master_hex=KEY_A)
    assert fieldcrypt.unseal(sealed, master_hex=KEY_A) == ADDRESS


def test_contexts_do_not_leak_across_master_keys(settings):
    """Each master key has its own derived keys and so its own decryptor and HMAC state: a token
    of one key never verifies under the other, however warm the other's contexts are."""
    from accounts import crypto

    settings.FIELD_ENCRYPTION_KEY = KEY_A
    token_a, sealed_a = fieldcrypt.encrypt(ID), fieldcrypt.seal(ADDRESS)
    assert fieldcrypt.decrypt(token_a) == ID and fieldcrypt.unseal(sealed_a) == ADDRESS  # warm A
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    token_b = fieldcrypt.encrypt(ID)
    assert token_b != token_a and fieldcrypt.decrypt(token_b) == ID
    for _round in range(3):  # alternate, as a rotation holding both keys does
        with pytest.raises(ValueError):
            fieldcrypt.decrypt(token_a)
        with pytest.raises(ValueError):
            fieldcrypt.unseal(sealed_a)
        assert fieldcrypt.decrypt(token_a, master_hex=KEY_A) == ID
        assert fieldcrypt.unseal(sealed_a, master_hex=KEY_A) == ADDRESS
        with pytest.raises(ValueError):
            fieldcrypt.decrypt(token_b, master_hex=KEY_A)
        assert fieldcrypt.decrypt(token_b) == ID
    k_a, k_b = crypto.derive_keys("field", "s1", KEY_A)[0], crypto.derive_keys("field", "s1", KEY_B)[0]
    decryptors = crypto._local.__dict__["sm4-cbc-dec"]
    assert decryptors[k_a] is not decryptors[k_b]


def test_rotation_after_reads_under_the_old_key_reads_everything_under_the_new(clerk, clock, settings):
    """Rows read (contexts warmed) under the old key, rotated, then read again with the new key
    configured: every value comes back, and the old key no longer opens them."""
    from petitions.services.keys import field_key_rotate

    settings.FIELD_ENCRYPTION_KEY = KEY_A
    case = make_case(clerk, channel="visit")
    Petitioner.objects.filter(case=case).update(id_number=ID, phone=PHONE, address=ADDRESS)
    assert Petitioner.objects.filter(case=case).values_list("id_number", "phone", "address")[0] == (
        ID, PHONE, ADDRESS)
    field_key_rotate(old_key=KEY_A, new_key=KEY_B)
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    assert Petitioner.objects.filter(case=case).values_list("id_number", "phone", "address")[0] == (
        ID, PHONE, ADDRESS)
    assert Petitioner.objects.filter(id_number=ID, phone=PHONE).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, address FROM petitions_petitioner WHERE case_id = %s", [case.pk])
        stored_id, stored_address = cursor.fetchone()
    with pytest.raises(ValueError):
        fieldcrypt.decrypt(stored_id, master_hex=KEY_A)
    with pytest.raises(ValueError):
        fieldcrypt.unseal(stored_address, master_hex=KEY_A)


def test_each_thread_has_its_own_contexts_and_gets_right_answers():
    import threading

    from accounts import crypto

    tokens = [(fieldcrypt.encrypt(f"1380000{i:04d}", master_hex=KEY_A), f"1380000{i:04d}") for i in range(300)]
    results, seen, errors = {}, {}, []
    key = crypto.derive_keys("field", "s1", KEY_A)[0]
    start = threading.Barrier(4)

    def work(n):
        try:
            start.wait()
            results[n] = all(fieldcrypt.decrypt(token, master_hex=KEY_A) == plain for token, plain in tokens * 3)
            seen[n] = crypto._local.__dict__["sm4-cbc-dec"][key]  # kept alive: ids stay distinct
        except Exception as exc:  # reported below: an assertion inside a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == {0: True, 1: True, 2: True, 3: True}
    assert len({id(obj) for obj in seen.values()}) == 4  # one decryptor per thread, none shared


def test_the_per_key_store_is_bounded_and_stays_correct_past_its_limit():
    from accounts import crypto

    masters = [f"{n:02x}" * 32 for n in range(crypto.PER_KEY_LIMIT + 3)]
    tokens = [(m, fieldcrypt.encrypt(ID, master_hex=m), fieldcrypt.seal(ADDRESS, master_hex=m)) for m in masters]
    for _round in range(2):
        for master, token, sealed in tokens:
            assert fieldcrypt.decrypt(token, master_hex=master) == ID
            assert fieldcrypt.unseal(sealed, master_hex=master) == ADDRESS
            assert len(crypto._local.__dict__["sm4-cbc-dec"]) <= crypto.PER_KEY_LIMIT
            assert len(crypto._local.__dict__["hmac-sm3"]) <= crypto.PER_KEY_LIMIT


def test_hmac_from_the_prepared_state_equals_a_fresh_hmac():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as chmac

    from accounts import crypto

    for key in (b"k" * 32, b"\x00" * 16, bytes(range(64)), b"x" * 100):
        for data in (b"", b"13800001234", ID.encode() * 50):
            fresh = chmac.HMAC(key, hashes.SM3())
            fresh.update(data)
            expected = fresh.finalize()
            assert crypto.sm3_hmac(key, data) == expected
            assert crypto.sm3_hmac(key, data) == expected  # the kept state is copied, never consumed
