"""QR codes as inline SVG (segno): the two-factor enrolment link here, the portal address on the
documents' receipts (documents/rendering.py).

segno rather than qrcode: pure Python with no imaging dependency (no Pillow), writes SVG directly,
implements ISO/IEC 18004:2015 with automatic version and mask choice, and is actively maintained.
SVG keeps the code sharp at any print size and works under the site's CSP (no script, no data URL
needed when inlined).
"""
import segno
from django.utils.safestring import mark_safe


def qr_svg(data, *, scale=4, border=2, title=""):
    """The QR code of ``data`` as an ``<svg>`` element (safe HTML), error correction M."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(scale=scale, border=border, title=title or None, svgclass="qr", lineclass=None,
                          omitsize=False)
    return mark_safe(svg)


def qr_png_data_uri(data, *, scale=4, border=2):
    """The QR code of ``data`` as a PNG data URI (segno writes PNG itself, no imaging library): for the
    documents rendered to PDF, where a bitmap of the modules costs far less to draw than their vector path."""
    return segno.make(data, error="m", micro=False).png_data_uri(scale=scale, border=border)
