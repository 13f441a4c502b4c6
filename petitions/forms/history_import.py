"""Forms of the 数据导入 page (petitions/views/history_import.py): input shape only."""
from django import forms
from django.utils.translation import gettext_lazy

from accounts.widgets import FileInput

from petitions.selectors.history_import import history_import_org_choices


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("导入文件"), widget=FileInput(attrs={"accept": ".xlsx"}),
                           help_text=gettext_lazy("按本系统模板填写的 .xlsx 文件。上传后逐行检查，检查结果确认后再导入。"))
    org = forms.ModelChoiceField(label=gettext_lazy("登记机构"), queryset=None,
                                 help_text=gettext_lazy("文件中“登记机构”列为空的行登记在该机构"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = history_import_org_choices(user)
        if user.organization_id:
            self.fields["org"].initial = user.organization_id


class HistoryImportForm(forms.Form):
    only_valid = forms.BooleanField(label=gettext_lazy("仅导入无误的行（有误的行不导入，改正后可再次上传导入）"),
                                    required=False)
