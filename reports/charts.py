"""Bar charts rendered by matplotlib (Agg, no display) with the shipped CJK font.

The font (settings.CJK_FONT_PATH, WenQuanYi Micro Hei, shipped in reports/fonts) is registered
once with matplotlib's font manager and put first in the sans-serif list, so Chinese labels
never render as empty boxes whatever fonts the server has. Figures are created with the
object API (``Figure``), not pyplot, so concurrent requests share no global figure state.
"""
import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from django.conf import settings  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

BAR_COLOR = "#1f5fa8"
SECOND_COLOR = "#d97706"
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@lru_cache(maxsize=1)
def cjk_font_name():
    """Register the shipped CJK font and make it the default; returns its family name."""
    path = str(settings.CJK_FONT_PATH)
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [name] + [
        f for f in matplotlib.rcParams["font.sans-serif"] if f != name]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    matplotlib.rcParams["svg.fonttype"] = "path"  # SVG shows the glyphs without the font installed
    return name


def bar_chart(title, labels, series, *, horizontal=False, fmt="png", ylabel=""):
    """Render a bar chart and return its bytes.

    ``series`` is a list of (name, values) with one value per label; two series are drawn
    side by side (e.g. 批次 and 人次) with a legend. Each bar carries its number.
    """
    cjk_font_name()
    n = max(len(labels), 1)
    if horizontal:
        size = (7.5, max(3.0, 0.32 * n + 1.2))
    else:
        size = (max(6.0, min(16.0, 0.55 * n + 2.5)), 4.0)
    fig = Figure(figsize=size, dpi=100)
    ax = fig.subplots()
    width = 0.8 / max(len(series), 1)
    positions = list(range(len(labels)))
    colors = [BAR_COLOR, SECOND_COLOR]
    for i, (name, values) in enumerate(series):
        offset = [p - 0.4 + width * (i + 0.5) for p in positions]
        if horizontal:
            bars = ax.barh(offset, values, height=width, color=colors[i % 2], label=name)
        else:
            bars = ax.bar(offset, values, width=width, color=colors[i % 2], label=name)
        ax.bar_label(bars, labels=[str(v) for v in values], fontsize=8, padding=2)
    if horizontal:
        ax.set_yticks(positions, labels=labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        ax.margins(x=0.12)
    else:
        rotate = 45 if n > 8 or max((len(label) for label in labels), default=0) > 6 else 0
        ax.set_xticks(positions, labels=labels, fontsize=9, rotation=rotate, ha="right" if rotate else "center")
        ax.set_ylabel(ylabel)
        ax.margins(y=0.15)
    ax.set_title(title, fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=9)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format=fmt)
    return out.getvalue()
