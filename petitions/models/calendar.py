"""The working-day calendar: only the exceptions to the ordinary week.

Monday to Friday are working days and Saturday and Sunday rest days unless a row here says
otherwise: a 法定节假日 (``is_workday=False``) or a 调休 working weekend day (``is_workday=True``).
The rows come from each year's State Council notice (国务院办公厅关于部分节假日安排的通知),
entered by the office; nothing is seeded, because a guessed holiday would shorten or lengthen
statutory deadlines (《信访工作条例》第二十三条: 5个工作日). Written only by
``petitions.services.calendar``; read by ``petitions.services.workdays``.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=50)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"
