"""Translation catalogs: complete, not fuzzy, compiled, placeholders intact, and the language switch.

The catalogs are refreshed by bin/update_translations (`make messages`). The .po files are read
here with a small independent parser and the committed .mo files with the standard library's
gettext module, so no extra dependency is needed.
"""
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGS = ["en", "zh_Hans"]
PYTHON_FORMAT = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%")
BRACE_FORMAT = re.compile(r"\{[A-Za-z_0-9]*(?:[.\[][^{}]*)?(?:![rsa])?(?::[^{}]*)?\}")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def read_po(path):
    """Entries of a .po file as dicts: flags, msgctxt, msgid, msgid_plural, msgstr {index: text}."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            entry = None
            continue
        if line.startswith("#~"):  # obsolete entries are not part of the catalog
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}}
            entries.append(entry)
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if match:
                field = int(match.group(1) or 0)
                entry["msgstr"][field] = _unquote(rest)
            else:
                field = keyword
                entry[field] = _unquote(rest)
    return entries


def po_path(locale):
    return LOCALE / locale / "LC_MESSAGES" / "django.po"


def messages(locale):
    """The entries except the header."""
    return [e for e in read_po(po_path(locale)) if e["msgid"]]


def label(entry):
    return repr(entry["msgid"])


@pytest.mark.parametrize("locale", CATALOGS)
def test_catalog_exists_and_is_not_empty(locale):
    assert po_path(locale).exists()
    assert po_path(locale).with_suffix(".mo").exists()
    assert len(messages(locale)) > 100


@pytest.mark.parametrize("locale", CATALOGS)
def test_every_msgid_is_translated(locale):
    untranslated = [label(e) for e in messages(locale) if not e["msgstr"] or not all(e["msgstr"].values())]
    assert not untranslated, f"{len(untranslated)} untranslated in {locale} (run `make messages`): {untranslated[:20]}"


@pytest.mark.parametrize("locale", CATALOGS)
def test_no_entry_is_fuzzy(locale):
    fuzzy = [label(e) or "header" for e in read_po(po_path(locale)) if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries in {locale}: {fuzzy[:20]}"


@pytest.mark.parametrize("locale,nplurals", [("en", 2), ("zh_Hans", 1)])
def test_plural_forms_match_the_header(locale, nplurals):
    header = read_po(po_path(locale))[0]
    assert header["msgid"] == ""
    assert f"nplurals={nplurals};" in header["msgstr"][0]
    assert "charset=UTF-8" in header["msgstr"][0]
    for entry in messages(locale):
        if entry["msgid_plural"] is not None:
            assert sorted(entry["msgstr"]) == list(range(nplurals)), label(entry)


def placeholders(text, flags):
    found = PYTHON_FORMAT.findall(text) if "python-format" in flags else []
    if "python-brace-format" in flags:
        found += BRACE_FORMAT.findall(text)
    return sorted(found)


@pytest.mark.parametrize("locale", CATALOGS)
def test_placeholders_are_kept(locale):
    wrong = []
    for entry in messages(locale):
        flags = entry["flags"]
        sources = [entry["msgid"]] if entry["msgid_plural"] is None else [entry["msgid"], entry["msgid_plural"]]
        for index, text in entry["msgstr"].items():
            source = sources[min(index, len(sources) - 1)] if locale == "en" else sources[-1]
            if placeholders(text, flags) != placeholders(source, flags):
                wrong.append((entry["msgid"], text))
    assert not wrong, wrong[:20]


def test_python_format_placeholders_are_flagged():
    """Every msgid with a named placeholder is checked: xgettext flags them python-format."""
    unflagged = [label(e) for e in messages("en")
                 if re.search(r"%\(\w+\)[sd]", e["msgid"]) and not e["flags"] & {"python-format", "no-python-format"}]
    assert not unflagged


def test_zh_hans_catalog_is_the_chinese_text():
    """zh_Hans is the identity catalog (a translator may later adjust wording, so this checks it
    was not filled with another language: every msgstr is still Chinese where the msgid is)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    foreign = [label(e) for e in messages("zh_Hans")
               if han.search(e["msgid"]) and not all(han.search(s) for s in e["msgstr"].values())]
    assert not foreign


@pytest.mark.parametrize("locale", CATALOGS)
def test_compiled_catalog_matches_po(locale):
    """The committed .mo holds exactly the .po's translated, non-fuzzy messages (mtimes are not
    kept by git, so the content is compared)."""
    expected = {}
    for entry in messages(locale):
        if "fuzzy" in entry["flags"]:
            continue
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            if entry["msgstr"].get(0):
                expected[key] = entry["msgstr"][0]
        elif all(entry["msgstr"].values()):
            expected.update({(key, n): text for n, text in entry["msgstr"].items()})
    with po_path(locale).with_suffix(".mo").open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    catalog = {k: v for k, v in compiled._catalog.items() if k != ""}
    missing = sorted(str(k) for k in expected.keys() - catalog.keys())
    stale = sorted(str(k) for k in catalog.keys() - expected.keys())
    changed = sorted(str(k) for k in expected.keys() & catalog.keys() if expected[k] != catalog[k])
    assert not (missing or stale or changed), (
        f"{locale} .mo out of date (run `make messages`): missing {missing[:5]}, stale {stale[:5]}, "
        f"changed {changed[:5]}")


# --- the running site -------------------------------------------------------------------

@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "信访信息业务处理系统" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Log in" in html and "Petition Case Handling System" in html and "Username" in html
    assert "登录" not in html


@pytest.mark.django_db
def test_accept_language_alone_keeps_chinese(client):
    """accounts.middleware.InterfaceLanguageMiddleware ignores the browser's Accept-Language on
    purpose; only the switch (language cookie) selects English."""
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in html and "Log in" not in html


@pytest.mark.django_db
def test_language_switch_turns_the_interface_english_and_back(client, clerk):
    client.force_login(clerk)
    home = reverse("home")
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302 and response["Location"] == home
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(home).content.decode()
    assert "Log out" in html and "Visit registration" in html and "中文" in html
    assert "退出" not in html and "来访登记" not in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    html = client.get(home).content.decode()
    assert "退出" in html and "来访登记" in html and "Log out" not in html
