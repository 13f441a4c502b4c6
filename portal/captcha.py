"""Self-hosted image captcha of the online petition form: no external service.

The answer lives in the visitor's session and is single-use: every check removes it, right or
wrong, so one solved image never serves two submissions and a wrong guess needs a new image.
The image is drawn with Pillow in the project's own font (``settings.CJK_FONT_PATH``).

``settings.PORTAL_CAPTCHA_FIXED_ANSWER`` makes the answer predictable for automated tests; only
config/settings/test.py sets it (production.py pins it to None).
"""
import hmac
import io
import secrets
import time

from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SESSION_KEY = "portal_captcha"
ALPHABET = "ABCDEFHJKMNPRSTUVWXY345678"  # no look-alikes (0/O, 1/I/L, 2/Z, 9/g, G/6)
LENGTH = 4
WIDTH, HEIGHT = 132, 44


def captcha_issue(session):
    """Draw a new answer into ``session`` (replacing any earlier one) and return it."""
    answer = settings.PORTAL_CAPTCHA_FIXED_ANSWER or "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))
    session[SESSION_KEY] = {"answer": answer, "at": int(time.time())}
    return answer


def captcha_current(session):
    """The answer the session's image shows; a new one if there is none or it expired."""
    stored = session.get(SESSION_KEY)
    if not stored or time.time() - stored.get("at", 0) > settings.PORTAL_CAPTCHA_TTL_SECONDS:
        return captcha_issue(session)
    return stored["answer"]


def captcha_verify(session, typed):
    """True if ``typed`` matches the session's answer (case-insensitive, not expired).

    Removes the answer in every case: single use."""
    stored = session.pop(SESSION_KEY, None)
    if not stored or time.time() - stored.get("at", 0) > settings.PORTAL_CAPTCHA_TTL_SECONDS:
        return False
    typed = "".join((typed or "").split()).upper()
    return hmac.compare_digest(typed.encode(), stored["answer"].upper().encode())


def captcha_png(answer):
    """PNG bytes of ``answer`` drawn with rotated letters, noise lines and dots."""
    rng = secrets.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    for _i in range(6):
        draw.line([(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)), (rng.randint(0, WIDTH), rng.randint(0, HEIGHT))],
                  fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)), width=1)
    font = ImageFont.truetype(str(settings.CJK_FONT_PATH), 30)
    step = (WIDTH - 16) // max(len(answer), 1)
    for i, char in enumerate(answer):
        glyph = Image.new("RGBA", (step + 12, HEIGHT), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), char, font=font,
                                   fill=(rng.randint(10, 90), rng.randint(30, 90), rng.randint(80, 160), 255))
        glyph = glyph.rotate(rng.uniform(-28, 28), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (8 + i * step + rng.randint(-3, 3), rng.randint(-4, 4)), glyph)
    for _i in range(80):
        draw.point((rng.randint(0, WIDTH - 1), rng.randint(0, HEIGHT - 1)),
                   fill=(rng.randint(60, 180), rng.randint(60, 180), rng.randint(60, 180)))
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
