"""Load test journeys for ``make loadtest`` (locust, headless, 127.0.0.1 only).

Four kinds of simulated staff, each logged in through the real login form as a demo user,
acting through the real pages and forms with think times between steps:

- clerk (登记员, ``clerk``): registers visits, searches by keyword, opens results;
- triage officer (分流员, ``triage``): works the pool — opens a case, assigns it to a
  township, now and then reports one to the leader;
- handler (承办人, ``township_handler``): accepts assignments and reports results;
- leader (领导, ``leader``): reads the cases reported to him, instructs, reads reports.

Request names group URLs by page (``/cases/[id]/``). A 409 (someone else acted on the case
first) and a form shown again because the case moved on are outcomes of concurrent work,
counted as "conflicts", not failures. Everything else that is not the expected status,
and every 5xx, is a failure, and locust exits non-zero.
"""
import os
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from htmlform import find_form, option_value, with_values  # noqa: E402

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Xinfang@2026")
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
TERMS = ["拆迁", "工资", "物业", "拖欠工资", "征地补偿", "噪音扰民", "低保", "养老保险", "环境污染", "石门镇", "云溪县",
         "龙潭水库", "宅基地", "医疗纠纷"]
CONFLICTS = {"count": 0}


def _ids(html):
    return list(dict.fromkeys(int(x) for x in CASE_LINK.findall(html)))


class Staff(HttpUser):
    abstract = True
    username = None
    wait_time = between(2, 8)  # reading a page, typing an opinion

    def on_start(self):
        page = self.client.get("/accounts/login/", name="登录页")
        form = find_form(page.text, method="post", has_field="username")
        data = with_values(form["fields"] if form else [], username=self.username, password=PASSWORD)
        with self.client.post("/accounts/login/", data=data, name="登录", allow_redirects=False,
                              catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"login as {self.username} failed: HTTP {r.status_code}")

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            return r.text if r.status_code == 200 else ""

    def search_for(self, term):
        """信访查询 by keyword as the page does it: the form is posted (CSRF token from the page),
        the results come from the saved search the redirect names."""
        form = find_form(self.page("/cases/search/", "信访查询 表单"), method="post", has_field="q")
        if form is None:
            return ""
        data = with_values(form["fields"], q=term)
        with self.client.post("/cases/search/", data=data, name="信访查询 关键词", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            return r.text if r.status_code == 200 else ""

    def act(self, case_id, action, overrides, name):
        """Open an action page and submit it; True when the action went through."""
        with self.client.get(f"/cases/{case_id}/action/{action}/", name=f"{name} 表单",
                             catch_response=True) as r:
            if r.status_code in (403, 404):  # the case moved on since the list was drawn
                r.success()
                CONFLICTS["count"] += 1
                return False
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return False
            form = find_form(r.text, method="post", has_field="version")
        if form is None:
            return False
        data = with_values(form["fields"], **{k: v(form) if callable(v) else v for k, v in overrides.items()})
        with self.client.post(f"/cases/{case_id}/action/{action}/", data=data, name=f"{name} 提交",
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                return True
            if r.status_code in (200, 403, 409):  # refused by the service: someone else was first
                r.success()
                CONFLICTS["count"] += 1
                return False
            r.failure(f"HTTP {r.status_code}")
            return False


class Clerk(Staff):
    weight = 3
    username = "clerk"

    @task(2)
    def register_visit(self):
        html = self.page("/cases/register/visit/", "来访登记 表单")
        form = find_form(html, method="post", has_field="submit_token")
        if form is None:
            return
        from petitions.domain.idcard import make_id_number

        birth = date(1950 + random.randrange(50), 1 + random.randrange(12), 1 + random.randrange(28))
        self.wait()  # typing the form
        data = with_values(
            form["fields"],
            content=f"反映{random.choice(['拖欠工资', '房屋拆迁补偿', '物业服务', '征地补偿'])}问题，请求依法处理（压力测试）",
            purpose=option_value(form, "purpose", "求决") or "",
            problem=option_value(form, "problem", "拖欠工资") or "",
            petitioners__0__name="压测" + random.choice("甲乙丙丁戊己庚辛"),
            petitioners__0__id_number=make_id_number("533922", birth, random.randrange(1, 999)),
            petitioners__0__sex="", petitioners__0__age="", petitioners__0__phone="13900000000",
        )
        with self.client.post("/cases/register/visit/", data=data, name="来访登记 提交", allow_redirects=False,
                              catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"registration not saved: HTTP {r.status_code}")

    @task(3)
    def search(self):
        html = self.search_for(random.choice(TERMS))
        ids = _ids(html)
        if ids:
            self.wait()
            self.page(f"/cases/{random.choice(ids)}/", "信访件详情")

    @task(1)
    def pool(self):
        self.page("/cases/pool/", "分流池")


class Triage(Staff):
    weight = 2
    username = "triage"

    @task(3)
    def assign_from_pool(self):
        page = random.choice(["", "?page=2", "?page=3"])
        ids = _ids(self.page("/cases/pool/" + page, "分流池"))
        if not ids:
            return
        case_id = random.choice(ids)
        self.page(f"/cases/{case_id}/", "信访件详情")
        self.wait()
        if random.random() < 0.15:
            self.act(case_id, "report_leader", {"note": "请领导阅示（压力测试）",
                                                 "leader": lambda f: option_value(f, "leader", "陈志强") or ""},
                     "上报领导")
            return
        self.act(case_id, "assign", {
            "targets__0__org": lambda f: option_value(f, "targets-0-org", random.choice(["石门镇", "云溪镇"])) or "",
            "note": "请按期办理并反馈结果（压力测试）",
        }, "交办")

    @task(1)
    def search(self):
        self.search_for(random.choice(TERMS))


class Handler(Staff):
    weight = 3
    username = "township_handler"

    @task(2)
    def accept(self):
        ids = _ids(self.page("/cases/inbox/", "收件箱 待受理"))
        if not ids:
            return
        case_id = random.choice(ids[:10])
        self.page(f"/cases/{case_id}/", "信访件详情")
        self.wait()
        self.act(case_id, "accept", {"note": "已受理（压力测试）"}, "受理")

    @task(2)
    def report_result(self):
        ids = _ids(self.page("/cases/inbox/?tab=in_progress", "收件箱 办理中"))
        if not ids:
            return
        case_id = random.choice(ids[:10])
        self.page(f"/cases/{case_id}/", "信访件详情")
        self.wait()
        self.act(case_id, "report_result", {"note": "经调查核实，已向信访人解释说明（压力测试）", "opinion": "explain"},
                 "上报结果")


class Leader(Staff):
    weight = 1
    username = "leader"

    @task(2)
    def instruct(self):
        ids = _ids(self.page("/cases/leader/", "领导待批示"))
        if not ids:
            return
        case_id = random.choice(ids[:10])
        self.page(f"/cases/{case_id}/", "信访件详情")
        self.wait()
        self.act(case_id, "instruct", {"note": "请依法依规妥善处理（压力测试）"}, "领导批示")

    @task(2)
    def reports(self):
        end = date.today()
        start = end - timedelta(days=364)
        self.page("/reports/", "报表目录")
        slug = random.choice(["summary", "bureau-data", "problem-ranking", "visit-levels"])
        self.page(f"/reports/{slug}/?start={start}&end={end}", "报表 全年")

    @task(1)
    def charts(self):
        self.page("/reports/charts/", "分析图表")


@events.quitting.add_listener
def _summary(environment, **_kwargs):
    print(f"conflicts (someone else acted first, not failures): {CONFLICTS['count']}")
