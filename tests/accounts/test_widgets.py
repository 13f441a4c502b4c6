"""Chinese whatever the browser: every date is a text input for 年-月-日 checked by the server with a
Chinese message and a calendar picker in Chinese (accounts/widgets.py, static/js/datepicker.js);
every file input has the Chinese "选择文件" button; `make run` shows the project's own 404 and 500
pages unless debugging is asked for, and still serves its static files."""
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.views.defaults import page_not_found, server_error

from accounts import widgets

ROOT = Path(settings.BASE_DIR)
FORM_PACKAGES = ("accounts", "petitions", "reports", "bulletin", "portal", "documents", "cockpit")


def _form_classes():
    for package in FORM_PACKAGES:
        names = [f"{package}.forms"]
        pkg = importlib.import_module(package)
        path = Path(pkg.__file__).parent / "forms"
        if path.is_dir():
            names = [f"{package}.forms.{m.name}" for m in pkgutil.iter_modules([str(path)])]
        for name in names:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError:
                continue
            for _n, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def test_every_date_and_file_field_of_the_forms_uses_the_shared_inputs():
    offenders = []
    checked = 0
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateField):
                checked += 1
                if not isinstance(field, widgets.DateField) or not isinstance(field.widget, widgets.DateInput):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
            elif isinstance(field, forms.FileField):
                checked += 1
                if not isinstance(field.widget, widgets.FileInput):
                    offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked > 15
    assert offenders == []


@pytest.mark.parametrize("typed, expected", [
    ("2026-03-05", date(2026, 3, 5)), ("2026-3-5", date(2026, 3, 5)), (" 2026/03/05 ", date(2026, 3, 5)),
    ("2026.3.5", date(2026, 3, 5)), ("20260305", date(2026, 3, 5)), ("2026年3月5日", date(2026, 3, 5)),
])
def test_a_date_is_typed_as_year_month_day(typed, expected):
    assert widgets.DateField().clean(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("2026-02-30", "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
    ("03/05/2026", "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
    ("下周一", "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
    ("0206-03-05", "日期超出范围：年份应在1900年至2099年之间。"),
])
def test_a_wrong_date_is_refused_with_a_chinese_message(typed, message):
    with pytest.raises(forms.ValidationError) as refused:
        widgets.DateField().clean(typed)
    assert refused.value.messages == [message]


def test_the_date_input_is_text_with_the_format_and_the_picker_hook():
    html = widgets.DateField().widget.render("d", date(2026, 3, 5))
    assert 'type="text"' in html and 'value="2026-03-05"' in html and 'placeholder="年-月-日"' in html
    assert "例如 2026-03-05" in html
    assert "data-datepicker" in html and 'type="date"' not in html


def test_the_time_field_takes_hours_and_minutes():
    assert widgets.TimeField().clean("09:30").strftime("%H:%M") == "09:30"
    with pytest.raises(forms.ValidationError) as refused:
        widgets.TimeField().clean("9点半")
    assert "时间格式不正确" in refused.value.messages[0]


def test_the_file_input_has_a_chinese_button_and_names_line():
    html = widgets.FileInput(multiple=True).render("files", None, {"id": "id_files"})
    assert 'type="file"' in html and "multiple" in html and 'for="id_files"' in html
    assert "选择文件" in html and "未选择文件" in html and "data-file-picker" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["petitions:search", "reports:report", "accounts:reminders",
                                      "accounts:audit_list"])
def test_pages_render_no_native_date_input(client, url_name, triage, statistician, auditor):
    user = {"reports:report": statistician, "accounts:audit_list": auditor}.get(url_name, triage)
    client.force_login(user)
    url = reverse(url_name, args=["summary"]) if url_name == "reports:report" else reverse(url_name)
    html = client.get(url).content.decode()
    assert 'type="date"' not in html and "data-datepicker" in html
    assert "vendor/air-datepicker/air-datepicker.js" in html and "js/datepicker.js" in html


def test_the_vendored_picker_is_kept_with_its_licence():
    folder = ROOT / "static" / "vendor" / "air-datepicker"
    assert (folder / "LICENSE.md").read_text().startswith("The MIT License")
    assert (folder / "air-datepicker.js").stat().st_size > 40_000
    assert "3.6.0" in (folder / "VERSION").read_text()


@pytest.mark.django_db
def test_404_and_500_are_the_projects_own_pages(rf):
    request = rf.get("/nowhere/")
    request.user = AnonymousUser()
    not_found = page_not_found(request, Exception("nowhere"))
    assert not_found.status_code == 404 and "页面不存在" in not_found.content.decode()
    error = server_error(request)
    assert error.status_code == 500 and "系统错误" in error.content.decode()


DEV_PROBE = """
import django, os
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
css = client.get("/static/css/app.css")
picker = client.get("/static/vendor/air-datepicker/air-datepicker.js")
missing = client.get("/no-such-page/")
print(settings.DEBUG, css.status_code, picker.status_code, missing.status_code,
      "页面不存在" in missing.content.decode(), "Page not found" in missing.content.decode())
"""


@pytest.mark.parametrize("debug, expected", [(None, "False 200 200 404 True False"),
                                             ("1", "True 200 200 404 False True")])
def test_make_run_settings_show_own_error_pages_unless_debugging_and_serve_static(debug, expected, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in {"DEBUG", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/dev.sqlite3",
               DJANGO_FIELD_ENCRYPTION_KEY="0" * 64)
    if debug:
        env["DJANGO_DEBUG"] = debug
    out = subprocess.run([sys.executable, "-c", DEV_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == expected
