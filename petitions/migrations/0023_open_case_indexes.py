"""Partial indexes of the open cases for 督查督办 and the leader's 待批示 (issue 16 at 10,000,000 cases;
docs/performance.md §14, "At 10 million cases").

1. ``case_open_due`` on petitions_case WHERE status is open: (current_due, id) with the columns the
   visibility rule and the tabs filter on (scope path, confidentiality, 督办, reported leader). The
   已超期 and 即将到期 tabs, the leader's attention list and their capped counts read it in page order,
   index-only. Without it, PostgreSQL read every open case's row (~490,000 at 10 M) from
   ``case_status_time`` and sorted them.
2. ``case_open_supervised``: the same for the open cases under 督办 (督办中); the ``is_supervised``
   filter otherwise read open cases from the table until it had found enough of them.
3. ``case_leader_pending`` (WHERE 待批示, keyed by the leader) and ``case_result_reported`` (WHERE 待审核):
   the leader's 待批示 list and 审核办理's 待审核结果 in page order. Before, the first intersected a bitmap of
   every case ever reported to the leader (~284,000) with the status; the second read and sorted all
   ~13,000 待审核 cases for a page of 30.
4. ``extension_pending`` on petitions_extensionrequest and ``review_open`` on petitions_reviewrequest:
   审核办理's 延期申请 and 复查复核 tabs and counts read the open requests only (both tables were
   scanned whole: ~1,000,000 and ~270,000 rows at 10 M).

No INCLUDE, so SQLite gets the same definitions. The status list is sorted (``OPEN_STATUS_VALUES``)
so that the migration is stable.
"""
from django.db import migrations, models

OPEN = ["awaiting_acceptance", "awaiting_instruction", "in_progress", "pending", "rechecking", "result_reported",
        "reviewing"]


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0022_page_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("status__in", OPEN)),
                               fields=["current_due", "id", "registered_path", "is_confidential", "is_supervised",
                                       "reported_leader"], name="case_open_due"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("is_supervised", True), ("status__in", OPEN)),
                               fields=["current_due", "id", "registered_path", "is_confidential", "reported_leader"],
                               name="case_open_supervised"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "awaiting_instruction")),
                               fields=["reported_leader", "current_due", "id", "registered_path", "is_confidential"],
                               name="case_leader_pending"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "result_reported")),
                               fields=["current_due", "id", "registered_path", "is_confidential"],
                               name="case_result_reported"),
        ),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(condition=models.Q(("status", "pending")), fields=["created_at", "id", "assignment"],
                               name="extension_pending"),
        ),
        migrations.AddIndex(
            model_name="reviewrequest",
            index=models.Index(condition=models.Q(("decided_at__isnull", True)), fields=["org", "due", "id", "case"],
                               name="review_open"),
        ),
    ]
