"""身份证号 (GB 11643-1999): the server rule on 30+ vectors, and static/js/idcard.js in step with it."""
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from petitions.domain.idcard import IdNumberError, make_id_number
from petitions.services.intake import ID_MESSAGES, id_number_parse, petitioner_identity_clean

TODAY = date(2026, 1, 15)

# (number, expected code or None for valid, expected sex) — docs/domain.md §9 first, then generated.
VECTORS = [
    ("11010519491231002X", None, "F"),  # Annex A
    ("440524188001010014", None, "M"),  # Annex A
    ("110101199003071233", None, "M"),
    ("440305200002292462", None, "F"),  # 2000-02-29 exists
    ("11010519491231002x", None, "F"),  # lower-case x accepted
    (" 11010519491231002X ", None, "F"),  # surrounding spaces ignored
    ("110105194912310021", "check", None),  # should end in X
    ("440524188001010015", "check", None),
    ("110101199003071234", "check", None),
    ("110101199002301236", "date", None),  # 1990-02-30
    ("110101199013011230", "date", None),  # month 13
    ("110101199000101234", "date", None),  # month 00
    ("110101199001001234", "date", None),  # day 00
    ("110101190002291234", "date", None),  # 1900 is not a leap year
    ("110101187912311234", "date", None),  # before 1880
    ("110101209901011234", "future", None),
    ("110101202601161234", "future", None),  # the day after TODAY
    ("", "length", None),
    ("1101051949123100", "length", None),
    ("11010519491231002X1", "length", None),
    ("110105 19491231002X", "length", None),
    ("11010519491231002Y", "chars", None),
    ("1101051949123100AX", "chars", None),
    ("X10105194912310021", "chars", None),
    ("１１０１０５１９４９１２３１００２Ｘ", "chars", None),  # full-width digits
    ("110105１９４９1231002X", "chars", None),
    ("991234199001011234", "region", None),  # no province 99
    ("001234199001011234", "region", None),
    ("110000199001011234", "region", None),  # "0000" below the province
    ("710101199001011234", "check", None),  # Taiwan code is a province; check digit wrong
] + [
    (make_id_number(region, born, seq), None, "M" if seq % 2 else "F")
    for region, born, seq in [
        ("533922", date(1985, 3, 7), 1), ("533923", date(1990, 9, 17), 26), ("650102", date(2000, 2, 29), 2),
        ("110105", date(1949, 12, 31), 2), ("820101", date(1970, 1, 1), 15), ("533901", date(2026, 1, 15), 99),
        ("530102", date(1880, 1, 1), 100), ("230102", date(1999, 12, 31), 888),
    ]
]


def test_there_are_at_least_30_vectors_with_both_outcomes():
    assert len(VECTORS) >= 30
    assert sum(1 for v in VECTORS if v[1] is None) >= 10
    assert {v[1] for v in VECTORS} >= {"length", "chars", "region", "date", "future", "check"}


@pytest.mark.parametrize("number,code,sex", VECTORS)
def test_server_rule(number, code, sex):
    if code is None:
        info = id_number_parse(number, today=TODAY)
        assert info.sex == sex
        assert info.number == number.strip().upper()
    else:
        with pytest.raises(IdNumberError) as exc:
            id_number_parse(number, today=TODAY)
        assert exc.value.code == code


def test_sex_and_age_are_filled_from_the_number():
    result = petitioner_identity_clean(id_type="resident_id", id_number="11010519491231002x", sex="", age=None,
                                       today=TODAY)
    assert result == {"id_number": "11010519491231002X", "sex": "F", "age": 76}


def test_sex_or_age_contradicting_the_number_is_an_error_next_to_that_field():
    with pytest.raises(ValidationError) as exc:
        petitioner_identity_clean(id_type="resident_id", id_number="11010519491231002X", sex="M", age=30,
                                  today=TODAY)
    assert exc.value.message_dict == {"sex": ["性别与身份证号不符：按身份证号应为女。"],
                                      "age": ["年龄与身份证号不符：按身份证号应为76岁。"]}


def test_bad_number_message_is_chinese():
    with pytest.raises(ValidationError) as exc:
        petitioner_identity_clean(id_type="resident_id", id_number="110105194912310021", sex="", age=None,
                                  today=TODAY)
    assert exc.value.message_dict == {"id_number": [str(ID_MESSAGES["check"])]}
    assert "校验位" in str(ID_MESSAGES["check"])


def test_other_document_types_are_not_checked_as_resident_ids():
    result = petitioner_identity_clean(id_type="passport", id_number="E12345678", sex="M", age=40, today=TODAY)
    assert result["id_number"] == "E12345678"


JS_RUNNER = """
const api = require(process.argv[1]);
const vectors = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = vectors.map((v) => api.parse(v, process.argv[2]));
process.stdout.write(JSON.stringify({results: out, provinces: api.PROVINCES, messages: api.MESSAGES}));
"""


@pytest.fixture
def node():
    path = shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)
    if path is None:
        pytest.skip("node is not installed")
    return path


def test_javascript_rule_agrees_with_python_on_every_vector(node):
    script = Path(settings.BASE_DIR) / "static" / "js" / "idcard.js"
    numbers = [v[0] for v in VECTORS]
    run = subprocess.run([node, "-e", JS_RUNNER, str(script), TODAY.isoformat()], input=json.dumps(numbers),
                         capture_output=True, text=True, timeout=30, check=True)
    output = json.loads(run.stdout)
    from petitions.domain import idcard

    assert set(output["provinces"]) == idcard.PROVINCES
    assert output["messages"] == idcard.MESSAGES
    for number, js in zip(numbers, output["results"]):
        try:
            info = id_number_parse(number, today=TODAY)
        except IdNumberError as exc:
            assert js == {"ok": False, "code": exc.code, "message": idcard.MESSAGES[exc.code]}, number
        else:
            assert js == {"ok": True, "number": info.number, "birth": info.birth_date.isoformat(),
                          "sex": info.sex, "age": info.age_on(TODAY)}, number


def test_non_ascii_digits_are_refused_not_crashing():
    import pytest as _pytest

    from petitions.domain.idcard import IdNumberError, parse_id_number

    with _pytest.raises(IdNumberError) as err:
        parse_id_number("11010519491231002²")
    assert err.value.code == "chars"
    with _pytest.raises(IdNumberError):
        parse_id_number("１１０１０５１９４９１２３１００２X")
