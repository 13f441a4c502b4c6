"""From a document's texts and values to its PDF: the HTML page (templates/documents/pdf/document.html,
laid out after GB/T 9704-2012) and WeasyPrint.

WeasyPrint (HTML and CSS to PDF) rather than Word templates converted by an office suite: it is a pure
Python library with a well-kept release line, needs no LibreOffice process on the server, embeds
(subsets) the fonts it uses, and its CSS paged media (``@page`` margins, page-number margin boxes,
left/right pages) expresses the national layout directly. The administrator edits the wording in the
restricted placeholder syntax (documents/placeholders.py), never the HTML.

Fonts: GB/T 9704 asks for 方正小标宋 (title), 仿宋_GB2312 (body) and 黑体 (headings), which are not free.
The stylesheet names them first, so an office that has them installed gets them; otherwise Noto Serif
CJK SC (body, title) and Noto Sans CJK SC (headings), from the GB 2312 cuts shipped in documents/fonts
(bin/build_document_fonts: they make issuing fast); a character outside GB 2312 falls back to the full
Noto CJK fonts of Debian's ``fonts-noto-cjk`` (installed by ``make setup``/``.ci/run``) and last to the
WenQuanYi Micro Hei shipped in the repository (``settings.CJK_FONT_PATH``), so a page never shows empty
boxes. Every font used is subset and embedded in the PDF.
"""
import atexit
import io
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from accounts.qr import qr_png_data_uri

from documents import placeholders
from documents.kinds import spec

LAYOUT_TEMPLATE = "documents/pdf/document.html"
FONT_DIR = Path(__file__).resolve().parent / "fonts"  # built by bin/build_document_fonts
# The place of the seal: a light dotted ring (an SVG drawn once; a CSS round dotted border costs ~40 ms a page).
SEAL_RING = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'%3E%3Ccircle cx='50' "
             "cy='50' r='49' fill='none' stroke='%23c8c8c8' stroke-width='0.8' stroke-dasharray='1.5 2'/%3E%3C/svg%3E")


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheet():
    from weasyprint import CSS

    css = render_to_string("documents/pdf/document.css", {"fallback_font": settings.CJK_FONT_PATH.as_uri(),
                                                         "font_dir": FONT_DIR.as_uri(), "seal_ring": SEAL_RING})
    return CSS(string=css, font_config=_font_config())


def _release_fonts():
    """Drop the cached font configuration while the interpreter still runs: WeasyPrint's finaliser
    needs its C bindings, which are gone when objects are collected at the very end of shutdown."""
    _stylesheet.cache_clear()
    _font_config.cache_clear()


atexit.register(_release_fonts)


def document_html(*, kind, texts, values, rows=(), petitioner_rows=(), qr_url=""):
    """The HTML page of a document: ``texts`` (letterhead, title, salutation, body, closing_note)
    filled with ``values``; ``rows`` (label, value) make the table of a form; ``qr_url`` adds
    the QR code of that address (the receipt)."""
    s = spec(kind)
    return render_to_string(LAYOUT_TEMPLATE, {
        "kind": kind,
        "is_form": s.is_form,
        "compact": s.is_form or s.compact,
        "letterhead": mark_safe(placeholders.render_line(texts["letterhead"], values)),
        "number": values.get("文号", ""),
        "title": mark_safe(placeholders.render_line(texts["title"], values)),
        "salutation": mark_safe(placeholders.render_line(texts["salutation"], values)),
        "paragraphs": [(cls, mark_safe(text)) for cls, text in placeholders.render_paragraphs(texts["body"], values)],
        "closing_note": [mark_safe(text) for _cls, text in
                         placeholders.render_paragraphs(texts["closing_note"], values)],
        "rows": rows,
        "petitioner_rows": petitioner_rows,
        "signature": values.get("发文机关", ""),
        "date": values.get("发文日期", ""),
        "qr": qr_png_data_uri(qr_url, scale=8, border=1) if qr_url else "",
        "qr_url": qr_url,
    })


def html_to_pdf(html):
    """PDF bytes of one HTML page (fonts subset and embedded)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[_stylesheet()], font_config=_font_config())


def render_pdf(**kwargs):
    """``document_html`` then ``html_to_pdf``; returns ``(pdf bytes, page count)``."""
    from weasyprint import HTML

    html = document_html(**kwargs)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[_stylesheet()], font_config=_font_config())
    return document.write_pdf(), len(document.pages)


def pdf_text(data):
    """The text of a PDF (pypdf), for checks and tests."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
