"""Cleaning of what people type: control and bidirectional-override characters removed, phone
numbers checked and written one way. Used by every service that stores a name, an address or a
phone number (petitioners, users, the portal), so that no page, export or printed notice shows
text that reorders itself or hides characters (e.g. U+202E, which turns "张三exe.pdf" around)."""
import re
import unicodedata

# Cc (controls, except tab and newline in multi-line text), Cf bidirectional controls and the
# zero-width characters that hide text: U+200B-U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_line(value):
    """One line of text (a name, an address, a unit): controls, bidi overrides and zero-width
    characters removed, runs of white space folded to one, ends stripped."""
    value = _INVISIBLE.sub("", str(value or ""))
    value = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in value)
    return " ".join(value.split())


def clean_text(value):
    """Multi-line text (the content of a petition, an opinion): as ``clean_line`` but line breaks
    and tabs kept; ends stripped."""
    value = _INVISIBLE.sub("", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else " " for ch in value)
    return value.strip()


MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Area codes: three digits for 010 and 02x (Beijing and the large cities), four for the rest.
LANDLINE = re.compile(r"^(?:\+?86)?(01\d|02\d|0[3-9]\d{2})(\d{7,8})$")
LOCAL = re.compile(r"^([2-9]\d{6,7})$")
SERVICE = re.compile(r"^((?:400|800)\d{7}|95\d{3,6}|1[012]\d{3})$")  # 400/800, 95xxx, 12345-style


class PhoneError(ValueError):
    pass


def normalise_phone(value):
    """A Chinese telephone number written one way, or "" for nothing typed; ``PhoneError`` for
    anything else.

    Accepted: mobile (11 digits from 13–19, with or without +86), a landline with its area code
    (``0xx``/``0xxx`` then 7–8 digits, an extension after "-" or "转"), a local 7–8 digit number, and
    service numbers (400/800, 95xxx, 12345). Stored as ``13912345678`` or ``0871-65123456`` (plus
    ``-123`` for an extension)."""
    raw = str(value or "").strip()
    if not raw:
        return ""
    extension = ""
    parts = re.split(r"(?:转|ext\.?|x|#)", raw, maxsplit=1, flags=re.I)
    if len(parts) == 2:
        raw, extension = parts[0], re.sub(r"\D", "", parts[1])
        if not extension or len(extension) > 6:
            raise PhoneError(raw)
    compact = re.sub(r"[\s\-()（）.]", "", raw)
    if not re.fullmatch(r"\+?\d+", compact):
        raise PhoneError(raw)
    if m := MOBILE.match(compact):
        if extension:  # a mobile number has no extension
            raise PhoneError(raw)
        return m.group(1)
    if m := LANDLINE.match(compact):
        return f"{m.group(1)}-{m.group(2)}" + (f"-{extension}" if extension else "")
    if LOCAL.match(compact) or SERVICE.match(compact):
        return compact + (f"-{extension}" if extension else "")
    raise PhoneError(raw)
