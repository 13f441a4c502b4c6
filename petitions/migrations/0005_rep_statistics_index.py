"""Two covering indexes for statistics and search (reports app, docs/reports.md §8-9).

1. ``rep_case_stats`` on petitions_case, for the statistics.

Why: every report, chart and KPI aggregates one period of cases by registering organization
over a dozen small columns. With 1,000,000 cases the table is about 1.7 GB (content, search
tokens and their tsvector make rows wide). Reading a year of it (a third) through the
``registered_at`` index costs a random heap access per case: 1–2 s per report query, and a
report runs 1–3 of them. This index holds the registration time as key and every column the
statistics read as INCLUDE payload (about 150 MB at 1M cases). Report queries then become
index-only range scans and the KPI query one index-only full scan, with no table access
(PostgreSQL ≥ 11; needs the visibility map, which autovacuum maintains).

Columns: registered_at (key); registered_org_id (area, scope), channel and
registration_source_id (信访形式, source filter), status (办结, 办理情况), purpose_id, problem_id,
visit_level_id, visitor_count, is_repeat, is_collective, is_skip_level, acceptance_due,
accepted_at, handling_due, answered_at (KPIs) and id (COUNT, links to behaviours/evaluations).

2. ``rep_assignment_scope`` on petitions_assignment (org_path) INCLUDE (case_id), for visibility.
   ``case_visible_qs`` of a township or department user tests "assigned into my subtree" as a
   hashed set of case ids from the assignments under the user's path. The existing
   ``assignment_orgpath_prefix`` index finds those rows but must read the table for case_id
   (29k pages for a township with 105k assignments at 1M cases: 0.5–1 s per search page). The
   covering index makes it an index-only scan (about 550 pages, 36 MB for 900k assignments).

PostgreSQL only: SQLite has no INCLUDE, and an index with this many key columns would cost
more than it saves at the sizes SQLite is used for. Building both takes about 30 s at 1M cases
and blocks writes to the two tables meanwhile.
"""
from django.db import migrations

INDEX = "rep_case_stats"
COLUMNS = (
    "registered_org_id", "channel", "registration_source_id", "status", "purpose_id", "problem_id",
    "visit_level_id", "visitor_count", "is_repeat", "is_collective", "is_skip_level", "acceptance_due",
    "accepted_at", "handling_due", "answered_at", "id",
)
SCOPE_INDEX = "rep_assignment_scope"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON petitions_case (registered_at) INCLUDE ({', '.join(COLUMNS)})"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SCOPE_INDEX} ON petitions_assignment "
        "(org_path varchar_pattern_ops) INCLUDE (case_id)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SCOPE_INDEX}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0004_guardian_case_permissions")]
    operations = [migrations.RunPython(forwards, backwards)]
