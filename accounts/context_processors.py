"""Navigation by role: the base template renders only what the user may open.

The entries come from the apps (``accounts.hooks.register_nav`` in each app's ``hooks.py``)."""
from django.urls import NoReverseMatch, reverse

from accounts import hooks


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    perms = user.get_all_permissions()
    items = []
    for item in hooks.nav_items():
        if item.perms and not any(p in perms for p in item.perms):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the app is installed but its URLs are not mounted here
            continue
        active = request.path == url if item.url_name == "home" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active, "name": item.url_name})
    return {"nav_items": items}
