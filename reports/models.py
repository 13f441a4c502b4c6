"""reports has no tables of its own; this model only carries its permissions."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_statistics", _("查看统计报表"))]
