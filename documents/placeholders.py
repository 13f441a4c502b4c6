"""The template language an administrator writes document wording in: plain text with named
placeholders, ``{{ 信访人姓名 }}``, and nothing else.

No tags, filters, attribute access, loops or HTML: a template can only place the values of a fixed
list (``documents.kinds.allowed_placeholders``), so an edited template can neither reach data the
document should not carry nor run anything. ``template_errors`` is called when a template is saved
and refuses, with a message naming the problem, template-language syntax (``{% %}``, ``{# #}``),
malformed or unknown placeholders, unbalanced braces and anything that looks like markup or script.
``render_paragraphs`` fills a checked text and escapes the result for the HTML page of the PDF.

Pure functions: no database, no settings.
"""
import re

from django.utils.html import escape
from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
MARKUP = re.compile(r"<\s*[A-Za-z/!?]|javascript\s*:|vbscript\s*:|&#|\bon[a-z]+\s*=", re.I)
TAG_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}")
MAX_LENGTH = 5000
# A heading line of a document body: "一、信访人的请求" (GB/T 9704: first-level headings in 黑体).
HEADING = re.compile(r"^[一二三四五六七八九十]+、\S{1,18}$")


def placeholders_in(text):
    """The placeholder names used in ``text``, in order of first use."""
    seen = []
    for match in PLACEHOLDER.finditer(text or ""):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def template_errors(text, allowed, *, label):
    """Chinese messages for everything wrong with ``text`` (empty when it is fine).

    ``allowed`` is the collection of placeholder names this template may use; ``label`` names
    the field in the messages."""
    text = text or ""
    errors = []
    if len(text) > MAX_LENGTH:
        errors.append(_("%(label)s过长（最多%(max)d个字）。") % {"label": label, "max": MAX_LENGTH})
    if TAG_SYNTAX.search(text):
        errors.append(_("%(label)s中不能使用模板标签或注释（“{%%”“{#”），只能使用“{{占位符}}”。") % {"label": label})
    if MARKUP.search(text):
        errors.append(_("%(label)s中不能包含HTML标签、脚本或字符实体。") % {"label": label})
    rest = PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        errors.append(_("%(label)s中的占位符格式不正确：应写成“{{占位符名称}}”，前后括号成对。") % {"label": label})
    unknown = [name for name in placeholders_in(text) if name not in allowed]
    if unknown:
        errors.append(_("%(label)s中有未知的占位符：%(names)s。可用的占位符见编辑框旁的列表。") % {
            "label": label, "names": "、".join("{{%s}}" % name for name in unknown)})
    return errors


def fill(text, values):
    """``text`` with every placeholder replaced by its value (plain text, not escaped).

    One pass: a value that itself contains ``{{…}}`` is not read again. A name without a value
    becomes empty (the service checks beforehand that a document has the values it needs)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text or "")


def render_line(text, values):
    """One line (title, letterhead, salutation), filled and escaped."""
    return escape(" ".join(fill(text, values).split()))


def render_paragraphs(text, values):
    """The body as a list of ``(css_class, escaped_text)`` paragraphs: one per line of the filled
    text, empty lines dropped; heading lines ("一、…") get the class ``heading``."""
    paragraphs = []
    for line in fill(text, values).splitlines():
        line = line.strip()
        if not line:
            continue
        paragraphs.append(("heading" if HEADING.match(line) else "", escape(line)))
    return paragraphs
