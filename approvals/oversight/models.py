"""The dashboards' roll-up of closed days (approvals/oversight/rollup.py, bookkeeping in portal/rollups.py): per day,
the intake events and the decisions, counted once and read instead of the source rows for every day up to the
horizon.

- `DayFigure`: one row per (day, kind, items, section, officer or every officer) with its count, and the same
  summed per complete month; decisions carry the sums the
  timeliness table needs (on time by the promised / statutory date, working days taken: sum, how many, longest).
- Database triggers (migration 0017) mark a day stale when a row of an already-closed day is written (a deemed
  acceptance dated back to the day the materials arrived, a holiday entered in the working-day calendar, a
  correction by hand); the dashboards read every day from the earliest one live until the next roll-up.
"""
from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayFigure(models.Model):
    class Kind(models.TextChoices):
        RECEIVED = "received", _("收件")
        ACCEPTED = "accepted", _("受理")
        REFUSED = "refused", _("不予受理")
        TOLERANCE = "tolerance", _("容缺受理")
        COMMITMENT = "commitment", _("告知承诺受理")
        SUPPLEMENTED = "supplemented", _("补正告知")
        DECIDED = "decided", _("办结")

    day = models.DateField(_("日期"))  # a month row: the month's first day
    # A month row sums the day rows of a month that was complete when rolled up: a year reads 12 of them per figure
    # instead of 365 day rows.
    month = models.BooleanField(_("整月汇总"), db_default=False)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    # The application's items (sorted; a decision: its case's item): the section / item / department filters
    # match them. The officer is whom the figure is theirs by: the filer, an accepting clerk, the signer, the
    # deciding officer.
    item_ids = ArrayField(models.BigIntegerField(), verbose_name=_("事项"))
    section_id = models.BigIntegerField(_("科室"), null=True, blank=True)  # decisions: the case's own section
    # NULL: every officer's (the figure without the officer filter); else the figure of that one officer.
    officer_id = models.BigIntegerField(_("经办人"), null=True, blank=True)
    count = models.IntegerField(_("件数"))
    on_time_promised = models.IntegerField(db_default=0)
    on_time_statutory = models.IntegerField(db_default=0)
    timed = models.IntegerField(db_default=0)  # decisions whose working days taken were counted
    working_days_sum = models.BigIntegerField(db_default=0)
    working_days_max = models.IntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("统计日汇总")
        verbose_name_plural = _("统计日汇总")
        indexes = [models.Index(fields=["officer_id", "month", "day"], name="dayfigure_officer_day_idx")]

    def __str__(self):
        return f"{self.day} {self.kind} {self.count}"
