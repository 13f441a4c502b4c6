from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public portal (群众端), deployed on the internet side (docs/architecture.md §7)."""

    name = "portal"
    verbose_name = _("群众端")
