"""What the documents app adds to the menu, the case page, the action pages and the trail
(``accounts.hooks``); called once from ``DocumentsConfig.ready``."""


def register():
    pass
