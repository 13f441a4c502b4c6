"""Each index of the case tables with the query it serves and that query's EXPLAIN (ANALYZE).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench .venv/bin/python bench/index_evidence.py > /tmp/evidence.md

The queries are the shapes the pages run (written out, with the demo organizations' paths
and ids looked up first). The output is the markdown of docs/performance.md's index section:
for every index, the query, whether the plan uses the index, and the plan's key lines.
"""
import os
import sys
from pathlib import Path

import psycopg2

URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xf_bench")


def lookups(cur):
    def one(sql, params=()):
        cur.execute(sql, params)
        row = cur.fetchone()
        return row[0] if row else None
    return {
        "county_path": one("SELECT path FROM accounts_orgunit WHERE code = '533922'"),
        "town_id": one("SELECT id FROM accounts_orgunit WHERE code = '533922101'"),
        "bureau_id": one("SELECT id FROM accounts_orgunit WHERE code = '53390001'"),
        "leader_id": one("SELECT id FROM accounts_user WHERE username = 'leader'"),
        "case_id": one("SELECT id FROM petitions_case ORDER BY id DESC OFFSET 500 LIMIT 1"),
        "first_case": one("SELECT first_case_id FROM petitions_case WHERE first_case_id IS NOT NULL LIMIT 1"),
        "number": one("SELECT number FROM petitions_case ORDER BY id DESC OFFSET 700 LIMIT 1"),
        "query_code": one("SELECT query_code FROM petitions_case ORDER BY id DESC OFFSET 900 LIMIT 1"),
        "id_token": one("SELECT id_number FROM petitions_petitioner WHERE id_number <> '' ORDER BY id DESC LIMIT 1") or "",
        "name_phone": None,
        "purpose_id": one("SELECT id FROM petitions_dictentry WHERE kind = 'purpose' AND code = '04'"),
    }


def entries(v, cur):
    cur.execute("SELECT name, phone FROM petitions_petitioner ORDER BY id DESC OFFSET 100 LIMIT 1")
    name, phone = cur.fetchone()
    return [
        # (table, index, page / reason, sql, params)
        ("petitions_case", "case_regpath_prefix", "visibility of a county or township user (`registered_path LIKE prefix%`)",
         "SELECT count(*) FROM petitions_case WHERE registered_path LIKE %s", [v["county_path"] + "%"]),
        ("petitions_case", "case_status_time", "分流池: pending cases, newest first",
         "SELECT id, number FROM petitions_case WHERE status = 'pending' ORDER BY registered_at DESC, id DESC LIMIT 20",
         []),
        ("petitions_case", "case_registered_at", "reports and search by period; export newest first",
         "SELECT channel, count(*) FROM petitions_case WHERE registered_at >= now() - interval '30 days' GROUP BY 1",
         []),
        ("petitions_case", "case_search_vector_gin", "keyword search (bigram phrase query)",
         "SELECT id FROM petitions_case WHERE search_vector @@ phraseto_tsquery('simple', '噪音 音扰 扰民') "
         "ORDER BY registered_at DESC LIMIT 20", []),
        ("petitions_case", "petitions_case_current_due_46eafad0", "overdue and due-soon lists (督查督办, 首页)",
         "SELECT id FROM petitions_case WHERE current_due < current_date AND status IN "
         "('pending','awaiting_acceptance','in_progress','result_reported') ORDER BY current_due LIMIT 30", []),
        ("petitions_case", "petitions_case_number_key / _like", "search by case number (exact or prefix), 初访编号",
         "SELECT id FROM petitions_case WHERE number LIKE %s", [v["number"][:-2] + "%"]),
        ("petitions_case", "petitions_case_query_code_key", "portal lookup by query code",
         "SELECT id FROM petitions_case WHERE query_code = %s", [v["query_code"]]),
        ("petitions_case", "case_unique_org_year_seq", "numbering backstop; latest number of an org and year",
         "SELECT max(seq) FROM petitions_case WHERE registered_org_id = %s AND year = 2026", [v["bureau_id"]]),
        ("petitions_case", "petitions_case_first_case_id_e1a00135", "case page: later petitions about the same matter",
         "SELECT id, number FROM petitions_case WHERE first_case_id = %s", [v["first_case"]]),
        ("petitions_case", "petitions_case_reported_leader_id_6ffd1909", "领导 page: cases reported to the leader",
         "SELECT id FROM petitions_case WHERE reported_leader_id = %s AND status = 'awaiting_instruction'",
         [v["leader_id"]]),
        ("petitions_case", "petitions_case_holder_org_id_d170f399", "cases held by one organization",
         "SELECT count(*) FROM petitions_case WHERE holder_org_id = %s", [v["town_id"]]),
        ("petitions_case", "petitions_case_purpose_id_79c0b87b (and the other dictionary FKs)",
         "PROTECT check before a dictionary entry can be deleted",
         "SELECT 1 FROM petitions_case WHERE purpose_id = %s LIMIT 1", [v["purpose_id"]]),
        ("petitions_petitioner", "petitions_petitioner_case_id_593366c6", "petitioners of a case (detail, list prefetch)",
         "SELECT * FROM petitions_petitioner WHERE case_id = %s ORDER BY position", [v["case_id"]]),
        ("petitions_petitioner", "petitioner_id_token", "search and earlier cases by ID number (encrypted token, equality)",
         "SELECT case_id FROM petitions_petitioner WHERE id_number = %s", [v["id_token"]]),
        ("petitions_petitioner", "petitions_petitioner_phone_dd70539b",
         "registration: earlier cases of the same name and phone (name filtered on the phone's rows)",
         "SELECT case_id FROM petitions_petitioner WHERE name = %s AND phone = %s", [name, phone]),
        ("petitions_petitioner", "petitions_petitioner_phone_dd70539b", "search by phone",
         "SELECT case_id FROM petitions_petitioner WHERE phone = %s", [phone]),
        ("petitions_assignment", "assignment_org_status", "承办人 inbox tab: assignments of one org in one status",
         "SELECT id, case_id FROM petitions_assignment WHERE org_id = %s AND status = 'pending' "
         "ORDER BY acceptance_due, id LIMIT 30", [v["town_id"]]),
        ("petitions_assignment", "petitions_assignment_case_id_de1fb006", "visibility EXISTS and the case page",
         "SELECT * FROM petitions_assignment WHERE case_id = %s", [v["case_id"]]),
        ("petitions_assignment", "assignment_orgpath_prefix", "cases assigned into a subtree (county scope)",
         "SELECT count(DISTINCT case_id) FROM petitions_assignment WHERE org_path LIKE %s",
         [v["county_path"] + "%"]),
        ("petitions_assignment", "petitions_assignment_assigned_by_org_id_42beef07", "审核办理: results reported to a bureau",
         "SELECT case_id FROM petitions_assignment WHERE assigned_by_org_id = %s AND status = 'reported'",
         [v["bureau_id"]]),
        ("petitions_caseevent", "petitions_caseevent_case_id_9de88173", "the trail of a case, in order",
         "SELECT * FROM petitions_caseevent WHERE case_id = %s ORDER BY created_at, id", [v["case_id"]]),
        ("petitions_caseevent", "caseevent_instruct_time", "领导批示 board: newest instructions first",
         "SELECT id, case_id FROM petitions_caseevent WHERE action = 'instruct' ORDER BY created_at DESC, id DESC "
         "LIMIT 30", []),
        ("petitions_evaluation", "evaluation_unique_case_target", "one evaluation per case and target; KPI join",
         "SELECT value FROM petitions_evaluation WHERE case_id = %s", [v["case_id"]]),
    ]


def main():
    conn = psycopg2.connect(URL, options="-c jit=off")
    cur = conn.cursor()
    v = lookups(cur)
    cur.execute("SELECT count(*) FROM petitions_case")
    cases = cur.fetchone()[0]
    cur.execute("SHOW server_version")
    version = cur.fetchone()[0]
    print(f"EXPLAIN (ANALYZE) on {Path(URL).name}: {cases:,} cases, PostgreSQL {version}, warm cache.\n")
    print("| table | index | serves | plan uses it | execution |")
    print("|---|---|---|---|---|")
    details = []
    for table, index, why, sql, params in entries(v, cur):
        cur.execute("EXPLAIN (ANALYZE) " + sql, params)  # warm
        cur.execute("EXPLAIN (ANALYZE) " + sql, params)
        plan = [r[0] for r in cur.fetchall()]
        names = [n.strip() for n in index.split("(")[0].replace(" / ", "/").split("/")]
        used = any(any(n.split("_like")[0] in line for n in names) for line in plan)
        execution = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "")
        print(f"| {table} | `{index}` | {why} | {'yes' if used else '**no**'} | {execution} |")
        details.append((index, cur.mogrify(sql, params).decode(), plan))
    print()
    for index, sql, plan in details:
        print(f"`{index}` — `{sql}`\n```")
        print("\n".join(line for line in plan if "Planning" not in line))
        print("```\n")


if __name__ == "__main__":
    sys.exit(main())
