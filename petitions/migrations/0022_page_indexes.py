"""Partial indexes for the handler's inbox, the triage pool and the confidentiality rule (issue 16's
page targets; docs/performance.md §14).

1. ``assignment_inbox_pending`` / ``_progress`` / ``_reported`` / ``_done`` on petitions_assignment: one
   per tab of 我的信访, keyed (organization, the tab's sort column, id) with the case id after it, and
   limited to the tab's statuses. A tab's page comes in order from its index, its capped count
   ("1000+") and the home page's deadline figures are index-only scans. With ``assignment_org_status``
   alone, PostgreSQL read every assignment of the tab's statuses to sort them, and counted each through
   its case row (at 300,000 cases: 50–80 ms per tab for the township of the benchmark; ~1 ms now).
   ``_progress`` also holds ``status``: it covers 办理中 (accepted) and 已转交下级 (delegated), and the
   home page counts accepted ones only.
2. ``case_confidential`` on petitions_case (id) WHERE is_confidential: the assignment queues test "not a
   confidential case the user holds no grant for" (``own_assignments_qs``) against this small index
   instead of reading the case row of every assignment.
3. ``case_pool`` on petitions_case WHERE status = 'pending': registration time, id, holder, scope path,
   confidentiality and deadline, i.e. every column the pool's page order, its count, the pool card and
   the triage cockpit's age profile read, so that they are index-only however large the pool grows.

Partial indexes work on SQLite too (no INCLUDE is used, so both backends get the same definitions).
Each holds only the rows of its statuses; a status change moves a row between them.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0021_partition_trail_and_views"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status", "pending")),
                               fields=["org", "acceptance_due", "id", "case"], name="assignment_inbox_pending"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status__in", ["accepted", "delegated"])),
                               fields=["org", "handling_due", "id", "case", "status"], name="assignment_inbox_progress"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status", "reported")),
                               fields=["org", "reported_at", "id", "case"], name="assignment_inbox_reported"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status", "approved")), fields=["org", "id", "case"],
                               name="assignment_inbox_done"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("is_confidential", True)), fields=["id"], name="case_confidential"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "pending")),
                               fields=["registered_at", "id", "holder_org", "registered_path", "is_confidential",
                                       "current_due"], name="case_pool"),
        ),
    ]
