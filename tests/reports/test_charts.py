"""Charts: the shipped CJK font renders Chinese (no empty boxes), images and numbers from SQL."""
import io
import warnings
from datetime import date

from django.conf import settings
from django.urls import reverse
from matplotlib import font_manager
from matplotlib.figure import Figure

from accounts.models import OrgUnit
from reports import charts
from reports.definitions import CHARTS, chart_data
from reports.selectors import Period, Scope

MARCH = {"start": "2025-03-01", "end": "2025-03-31", "source": "all"}


def _missing_glyph_warnings(render):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_cjk_font_is_the_shipped_one():
    name = charts.cjk_font_name()
    assert name == "WenQuanYi Micro Hei"
    assert any(f.fname == str(settings.CJK_FONT_PATH) for f in font_manager.fontManager.ttflist)
    # The default family resolves to it (a system copy of the same font may win the lookup).
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert font_manager.FontProperties(fname=str(found)).get_name() == "WenQuanYi Micro Hei"


def test_chinese_labels_render_without_missing_glyphs():
    body = []
    missing = _missing_glyph_warnings(lambda: body.append(charts.bar_chart(
        "按信访目的", ["建议意见", "检举控告", "申诉", "求决"], [("件次", [1, 2, 3, 4])])))
    assert missing == []
    assert body[0].startswith(b"\x89PNG")


def test_missing_glyph_check_detects_a_latin_only_font():
    """Control for the test above: a font without CJK glyphs does warn."""
    def render():
        fig = Figure()
        fig.text(0.1, 0.5, "信访", fontproperties=font_manager.FontProperties(family=["DejaVu Sans"]))
        fig.savefig(io.BytesIO(), format="png")

    charts.cjk_font_name()
    assert _missing_glyph_warnings(render)


def test_svg_output_draws_glyphs_as_paths():
    svg = charts.bar_chart("按月份", ["2025-03"], [("件次", [56])], fmt="svg")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<path" in svg


def test_chart_numbers(dataset, statistician):
    scope = Scope(org=OrgUnit.objects.get(code="533900"), period=Period(date(2025, 2, 1), date(2025, 3, 31)))
    month = chart_data(statistician, scope, "month")
    assert list(zip(month.labels, month.series[0][1])) == [("2025-02", 2), ("2025-03", 56)]
    march = Scope(org=scope.org, period=Period(date(2025, 3, 1), date(2025, 3, 31)))
    purpose = chart_data(statistician, march, "purpose")
    assert list(zip(purpose.labels, purpose.series[0][1])) == [
        ("建议意见", 6), ("检举控告", 3), ("申诉", 5), ("求决", 36), ("咨询", 5), ("其他", 1)]
    nature = chart_data(statistician, march, "visit-nature")
    assert nature.labels == ["个体访", "集体访"] and nature.series[0][1] == [20, 6] and nature.series[1][1] == [20, 126]
    repeat = chart_data(statistician, march, "repeat")
    assert repeat.series[0][1] == [50, 6]
    area = chart_data(statistician, march, "area")
    assert list(zip(area.labels, area.series[0][1])) == [("青峰州本级", 12), ("青峰市", 10), ("石门县", 16),
                                                         ("云溪县", 18)]
    channel = chart_data(statistician, march, "channel")
    assert channel.series[0][1] == [14, 26, 7, 5, 4]
    problem = dict(zip(*[chart_data(statistician, march, "problem").labels,
                         chart_data(statistician, march, "problem").series[0][1]]))
    assert problem["劳动社保"] == 16 and problem["城乡建设"] == 10 and problem["未分类"] == 1
    assert sum(problem.values()) == 56


def test_chart_page_shows_every_chart_with_its_table(client, dataset, statistician):
    client.force_login(statistician)
    response = client.get(reverse("reports:charts"), {**MARCH, "org": OrgUnit.objects.get(code="533900").pk})
    assert response.status_code == 200
    items = response.context["charts"]
    assert [c["data"].slug for c in items] == list(CHARTS)
    html = response.content.decode()
    for item in items:
        assert item["src"].replace("&", "&amp;") in html
    assert "<td class=\"num\">56</td>" in html  # the month table's total


def test_chart_image_endpoint_png_and_svg(client, dataset, statistician):
    client.force_login(statistician)
    url = reverse("reports:chart_image", args=["problem"])
    png = client.get(url, MARCH)
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(url, {**MARCH, "fmt": "svg"})
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get(reverse("reports:chart_image", args=["nope"]), MARCH).status_code == 404
    assert client.get(url, {**MARCH, "fmt": "gif"}).status_code == 404


def test_chart_image_needs_statistics_permission(client, dataset, township_handler):
    client.force_login(township_handler)
    assert client.get(reverse("reports:chart_image", args=["month"]), MARCH).status_code == 403
