"""Read an HTML form the way a browser submits it (stdlib only; used by run.py and the locustfile).

``form_fields(html, action_contains=...)`` returns the (name, value) pairs a browser would
post for the first matching form: text/hidden inputs with their value, checked boxes,
the selected option of each select (or its first non-empty option when none is selected
and the select is required), textarea contents. Submit buttons are left out.
"""
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []  # [{"action": str, "fields": [...]}]
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if not name or kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append((name, a.get("value", "on")))
                return
            fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = {"name": a.get("name"), "required": "required" in a, "options": [], "selected": [],
                            "multiple": "multiple" in a}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea":
            self._textarea = {"name": a.get("name"), "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            option = self._option
            if option["value"] is None:
                option["value"] = option["text"].strip()
            self._select["options"].append(option)
            self._option = None
        elif tag == "select" and self._select is not None:
            s = self._select
            self._select = None
            if not s["name"] or self._form is None:
                return
            chosen = [o for o in s["options"] if o["selected"]]
            if not chosen and s["options"] and not s["multiple"]:
                non_empty = [o for o in s["options"] if o["value"]]
                chosen = [non_empty[0]] if s["required"] and non_empty else [s["options"][0]]
            for o in chosen:
                self._form["fields"].append((s["name"], o["value"]))
            self._form.setdefault("options", {})[s["name"]] = [(o["value"], o["text"].strip()) for o in s["options"]]
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None and self._textarea["name"]:
                self._form["fields"].append((self._textarea["name"], self._textarea["text"].lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_forms(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html, *, method="post", action_contains=None, has_field=None):
    """The first form matching the method, an action substring and/or a field name; None if absent."""
    for form in parse_forms(html):
        if form["method"] != method:
            continue
        if action_contains is not None and action_contains not in form["action"]:
            continue
        if has_field is not None and not any(name == has_field for name, _v in form["fields"]):
            continue
        return form
    return None


def option_value(form, field, label_contains):
    """The value of the option of ``field`` whose label contains the text (None if none)."""
    for value, text in form.get("options", {}).get(field, []):
        if label_contains in text and value:
            return value
    return None


def with_values(fields, **overrides):
    """The field pairs with some values replaced (or added), ready to post as a dict of lists."""
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    for name, value in overrides.items():
        data[name.replace("__", "-")] = value if isinstance(value, list) else [value]
    return data
