"""Resident ID number (公民身份号码) check by GB 11643-1999; the same rule runs in
static/js/idcard.js as the clerk types (tests keep the two in step)."""
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes. Prefectures and counties change every year and old codes
# stay valid on issued cards, so below province level only the shape is checked.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
}

ERR_LENGTH = "length"
ERR_CHARS = "chars"
ERR_REGION = "region"
ERR_DATE = "date"
ERR_FUTURE = "future"
ERR_CHECK = "check"

MESSAGES = {
    ERR_LENGTH: "身份证号应为18位。",
    ERR_CHARS: "身份证号前17位应为数字，最后一位为数字或X。",
    ERR_REGION: "身份证号的地址码（前6位）无效。",
    ERR_DATE: "身份证号中的出生日期不是有效日期。",
    ERR_FUTURE: "身份证号中的出生日期晚于今天。",
    ERR_CHECK: "身份证号校验位不正确，请核对。",
}


@dataclass(frozen=True)
class IdInfo:
    number: str  # normalised (upper-case X)
    birth_date: date
    sex: str  # "M" or "F"

    def age_on(self, day):
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class IdNumberError(ValueError):
    def __init__(self, code):
        super().__init__(MESSAGES[code])
        self.code = code
        self.message = MESSAGES[code]


def check_char(body17):
    total = sum(int(c) * w for c, w in zip(body17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def parse_id_number(value, *, today=None):
    """Validate and decode an 18-character ID number; raise IdNumberError with a Chinese message."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise IdNumberError(ERR_LENGTH)
    # isdigit() alone accepts "²" or full-width digits, which int() then refuses.
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(ERR_CHARS)
    if number[:2] not in PROVINCES or number[2:6] == "0000":
        raise IdNumberError(ERR_REGION)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(ERR_DATE)
    today = today or date.today()
    if born > today or born.year < 1880:
        raise IdNumberError(ERR_FUTURE if born > today else ERR_DATE)
    if check_char(number[:17]) != number[17]:
        raise IdNumberError(ERR_CHECK)
    return IdInfo(number=number, birth_date=born, sex="M" if int(number[16]) % 2 else "F")


def make_id_number(region, birth, sequence):
    """Build a valid number (generator and tests): 6-digit region, date, 3-digit sequence."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def mask_id_number(number):
    """Show region and the last 4 characters only: 533922********123X."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone):
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
