from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalIntranetConfig(AppConfig):
    """The intranet's end of the portal crossing (docs/architecture.md §7.2); not installed on the
    internet side."""

    name = "portal.intranet"
    label = "portal_intranet"
    verbose_name = _("网上信访数据交换")
