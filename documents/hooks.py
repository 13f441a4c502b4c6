"""What the documents app adds to the menu, the case page, the action pages and the trail
(``accounts.hooks``); called once from ``DocumentsConfig.ready``."""
from django.utils.translation import gettext_lazy as _

from accounts import hooks


def register():
    from documents import exchange, sms, views

    hooks.register_nav(
        hooks.NavItem(_("邮寄批次"), "documents:mailing", ("petitions.triage_case", "petitions.register_case",
                                                          "petitions.handle_case"), order=105),
        hooks.NavItem(_("文书模板"), "documents:template_list", ("petitions.manage_dictionary",), order=175),
    )
    hooks.register(hooks.CASE_PANELS, views.case_panel, order=10)
    hooks.register(hooks.ACTION_FORM_EXTRAS, views.action_extras, order=10)
    hooks.register(hooks.ACTION_DONE, views.action_done, order=10)
    hooks.register(hooks.CASE_EVENT, sms.on_case_event, order=10)
    hooks.register(hooks.EXCHANGE_HANDLERS, exchange.DocumentExchange(), order=10)
