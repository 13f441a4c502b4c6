"""Forms of the 数据交换 page (petitions/views/exchange.py): input shape only."""
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.widgets import DateField, FileInput
from petitions.selectors.orgs import exchange_org_choices

MAX_PERIOD_DAYS = 366


class ExchangeImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("数据交换包"), widget=FileInput(attrs={"accept": ".zip"}),
                           help_text=gettext_lazy("下级系统导出的签名数据包（.zip）。重复导入不会重复登记。"))


class ExchangeExportForm(forms.Form):
    org = forms.ModelChoiceField(label=gettext_lazy("导出机构"), queryset=None,
                                 help_text=gettext_lazy("导出该机构及其下级登记的信访件"))
    start = DateField(label=gettext_lazy("开始日期"))
    end = DateField(label=gettext_lazy("结束日期"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = exchange_org_choices(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("结束日期不能早于开始日期。"))
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("一次最多导出一年的数据。"))
        return data
