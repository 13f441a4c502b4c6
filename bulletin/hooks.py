"""What the bulletin app adds to the menu and the home page (``accounts.hooks``)."""
from django.utils.translation import gettext_lazy as _

from accounts import hooks

BULLETIN_READERS = ("petitions.register_case", "petitions.triage_case", "petitions.instruct_case",
                    "petitions.supervise_case", "petitions.handle_case", "reports.view_statistics")


def _notices_panel(user):
    from bulletin.selectors import latest_notices

    return {"notices": latest_notices(user)}


def register():
    hooks.register_nav(hooks.NavItem(_("公共信息"), "bulletin:list", BULLETIN_READERS, order=180))
    hooks.register(hooks.HOME_PANELS, _notices_panel)
