"""``{% qr_code value %}``: the QR code of ``value`` as inline SVG (accounts/qr.py)."""
from django import template

from accounts.qr import qr_svg

register = template.Library()


@register.simple_tag
def qr_code(value, title=""):
    return qr_svg(value, scale=5, border=2, title=title)
