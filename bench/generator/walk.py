"""The workflow walk of one generated case, following ``petitions.workflow.TRANSITIONS``.

Paths (shares are of all cases):
- 当面答复 at the window (register → answer_face_to_face), about 4%;
- 不予受理 (reject) about 6%, 不再受理 for a few repeat petitions; both archived later;
- the usual path: [report_leader → instruct] → assign (交办, result reviewed by the bureau) or
  transfer (转办, the handler's report is the answer) → [return → assign again] → accept →
  [request_extension → approve_extension] [supervise] → report_result → [send_back →
  report_result] → approve_result → [evaluation] [request_review → review_decision
  [request_recheck → recheck_decision]] → close → [publish_reply] → archive.

Each step happens a drawn number of days after the previous one; a step that would fall
after ``now`` is not taken, and the case stays in the state it reached. Durations: routing
0-9 days (5% late, 12-26 days), acceptance 1-7 days (4% late), handling 5-50 days for most
cases, 50-75 for 10%, 75-150 for 3.5% and 150-900 for 1.5% (the overdue backlog that the
supervision pages show), review 1-5 days, closing 1-36 days after the answer, archiving
after the 30-day review window.
"""
from petitions.domain.deadlines import ACCEPTANCE_DAYS, HANDLING_DAYS
from petitions.workflow import Status as S
from bench.generator import data as D

DAY = 86400
EXTENSION_DAYS = 30  # 条例 Art.34, once
REVIEW_DAYS = 30  # 条例 Art.35, 36
LOCAL_OFFSET = 8 * 3600


def local_day(ts):
    return (ts + LOCAL_OFFSET) // DAY


def pick(rng, items):
    return items[int(rng.random() * len(items))]


class Assignment:
    __slots__ = ("id", "org", "kind", "status", "acceptance_due", "handling_due", "extension_days",
                 "accepted_at", "reported_at", "result", "opinion", "note", "created_at")

    def __init__(self, id, org, kind, created_at, note):
        self.id, self.org, self.kind, self.created_at, self.note = id, org, kind, created_at, note
        self.status = "pending"
        self.acceptance_due = local_day(created_at) + ACCEPTANCE_DAYS
        self.handling_due = self.accepted_at = self.reported_at = None
        self.extension_days = 0
        self.result = self.opinion = ""


class Walk:
    """State of one case while it is walked; the fields end up in the case row."""

    def __init__(self, sim, rec, rows):
        self.sim, self.rec, self.rows = sim, rec, rows
        self.rng = sim.rng
        self.ctx = sim.ctx
        self.now = sim.now
        self.events = []
        self.state = ""  # the register step starts from nothing
        self.t = rec.t0
        self.holder = rec.registrar
        self.acceptance_due = local_day(rec.t0) + ACCEPTANCE_DAYS
        self.current_due = self.acceptance_due
        self.handling_due = self.accepted_at = self.answered_at = self.closed_at = self.archived_at = None
        self.leader = None
        self.latest_instruction = self.answer_text = self.opinion = ""
        self.closure = self.closure_org = self.closure_region = None
        self.public_reply, self.public_reply_at = "", None
        self.supervised = False
        self.responsible_unit = ""
        self.assignments = []
        self.handler_org = self.handler = None
        self.triage = self.ctx.user(rec.registrar, "triage")

    # --- helpers --------------------------------------------------------------------------------

    def later(self, days):
        """The moment ``days`` (fractional) after the last step, plus up to an hour."""
        return self.t + int(days * DAY) + int(self.rng.random() * 3600)

    def step(self, t, action, to, actor, actor_org, *, target_org=None, target_user=None, note="", deadline=None,
             data="{}"):
        """Record the action at ``t`` (already checked against now) and move to state ``to``."""
        self.events.append((t, action, self.state, to, actor, actor_org, target_org, target_user, note, deadline,
                            data))
        self.state = to
        self.t = t

    # --- the walk -------------------------------------------------------------------------------

    def run(self):
        rec, rng = self.rec, self.rng
        first_number = "null" if rec.first is None else f'"{rec.first[1]}"'
        self.step(rec.t0, "register", S.PENDING, rec.clerk, rec.registrar, deadline=self.acceptance_due,
                  data=f'{{"channel": "{rec.channel}", "attachments": 0, "persons": {len(rec.people)}, '
                       f'"first_case": {first_number}}}')
        r = rng.random()
        if rec.channel == "visit" and r < 0.06 or rec.purpose_code == "05" and r < 0.35:
            self.face_to_face()
        elif r < 0.40 and rec.purpose_code == "05" or r > 0.95:
            self.refuse("reject")
        elif rec.first is not None and r > 0.92:
            self.refuse("not_reaccept")
        else:
            self.route()
            if self.state == S.AWAITING_ACCEPTANCE:
                self.accept()
            if self.state == S.IN_PROGRESS:
                self.handle()
            if self.state == S.ANSWERED:
                self.after_answer()
            if self.state == S.CLOSED:
                self.archive()
        return self

    def face_to_face(self):
        rec = self.rec
        t = rec.t0 + 600 + int(self.rng.random() * 3000)
        if t > self.now:
            return
        self.answer_text = "已当面向信访人解释相关政策和办理途径，信访人表示认可"
        self.step(t, "answer_face_to_face", S.CLOSED, rec.clerk, rec.registrar, note=self.answer_text)
        self.current_due = None
        self.accepted_at = self.answered_at = self.closed_at = rec.t0
        self.archive()

    def refuse(self, action):
        rec, rng = self.rec, self.rng
        t = self.later(rng.random() * 10)
        if t > self.now:
            return
        if action == "reject":
            reason = pick(rng, self.sim.reject_reasons)
            self.step(t, "reject", S.REJECTED, self.triage, rec.registrar, note="该事项应通过法定途径解决，已告知信访人",
                      data=f'{{"reason": "{reason}"}}')
        else:
            self.step(t, "not_reaccept", S.NOT_REACCEPTED, self.triage, rec.registrar,
                      note="同一事项已经复查复核，不再受理")
        self.current_due = None
        self.closed_at = t
        t = self.later(5 + rng.random() * 40)
        if t <= self.now and rng.random() < 0.8:
            self.step(t, "archive", S.ARCHIVED, self.triage, rec.registrar)
            self.archived_at = t

    def route(self):
        """上报领导 / 领导批示, then 交办 or 转办 (and once in a while 退回 and again)."""
        rec, rng, ctx, now = self.rec, self.rng, self.ctx, self.now
        if rec.registrar.kind == "bureau" and rng.random() < 0.10:
            t = self.later(rng.random() * 2)
            if t > now:
                return
            self.leader = ctx.user(rec.registrar, "leader")
            due = local_day(t) + 5
            self.step(t, "report_leader", S.AWAITING_INSTRUCTION, self.triage, rec.registrar,
                      target_user=self.leader, note="请领导批示", deadline=due)
            self.current_due = due
            t = self.later(rng.random() * 4)
            if t > now:
                return
            self.latest_instruction = pick(rng, D.INSTRUCTIONS)
            self.step(t, "instruct", S.PENDING, self.leader, rec.registrar, note=self.latest_instruction)
            self.current_due = self.acceptance_due
        org = self.sim.handler_org(rec.problem_code, rec.territory, rec.registrar)
        if rec.confidential:  # 检举控告 against officials goes to 纪检监察, never to the accused unit
            org = ctx.by_code.get("53390007") or org
        returned = False
        while self.state == S.PENDING:
            t = self.later(12 + rng.random() * 14 if rng.random() < 0.05 else rng.random() * 9)
            if t > now:
                return
            kind = "assign" if rng.random() < 0.45 else "transfer"
            a = Assignment(self.sim.next_assignment_id, org, kind, t, pick(rng, D.ASSIGN_NOTES))
            self.sim.next_assignment_id += 1
            self.assignments.append(a)
            self.step(t, kind, S.AWAITING_ACCEPTANCE, self.triage, rec.registrar, target_org=org, note=a.note,
                      deadline=a.acceptance_due, data=f'{{"assignment": {a.id}, "kind": "{kind}"}}')
            self.holder, self.current_due, self.responsible_unit = org, a.acceptance_due, org.name
            self.handler_org, self.handler = org, ctx.user(org, "handler")
            if returned or rng.random() >= 0.04:
                return
            # 退回: wrongly assigned; the handler objects within 5 working days.
            t = self.later(1 + rng.random() * 5)
            if t > now:
                return
            self.step(t, "return", S.PENDING, self.handler, org, target_org=rec.registrar,
                      note=pick(rng, D.RETURN_REASONS), data=f'{{"assignment": {a.id}}}')
            a.status = "returned"
            self.holder, self.current_due, self.responsible_unit, returned = (
                rec.registrar, self.acceptance_due, "", True)
            other = self.sim.handler_org(rec.problem_code, rec.territory, rec.registrar)
            org = other if other is not None and other.id != org.id else (
                ctx.by_code.get(rec.territory.code + "01") or org)

    def accept(self):
        rng = self.rng
        t = self.later(1 + rng.random() * 6 if rng.random() < 0.96 else 16 + rng.random() * 15)
        if t > self.now:
            return
        a = self.assignments[-1]
        self.accepted_at = t
        self.handling_due = local_day(t) + HANDLING_DAYS
        self.step(t, "accept", S.IN_PROGRESS, self.handler, self.handler_org, note=pick(rng, D.ACCEPT_NOTES))
        self.current_due = self.handling_due
        a.status, a.handling_due, a.accepted_at = "accepted", self.handling_due, t

    def handle(self):
        rec, rng, ctx, now = self.rec, self.rng, self.ctx, self.now
        a = self.assignments[-1]
        r = rng.random()
        duration = (5 + rng.random() * 45 if r < 0.85 else 50 + rng.random() * 25 if r < 0.95
                    else 75 + rng.random() * 75 if r < 0.985 else 150 + rng.random() * 750)
        accepted = self.t
        if duration > 45 and rng.random() < 0.5:
            self.extend(a, min(duration, 57) - 10 + rng.random() * 5)
        supervision = None
        if rng.random() < (0.4 if duration > 75 else 0.02):
            t = accepted + int(min(duration * 0.7, 70 + rng.random() * 20) * DAY)
            if t <= now:
                org = self.sim.bureau or rec.registrar
                supervision = (t, org, ctx.user(org, "supervisor"), pick(rng, D.SUPERVISION_NOTES))
                self.supervised = True
                self.events.append((t, "supervise", S.IN_PROGRESS, S.IN_PROGRESS, supervision[2], org,
                                    self.handler_org, None, supervision[3], local_day(t) + 10, "{}"))
        t = accepted + int(duration * DAY)
        if t > now:
            if supervision is not None:
                self.supervision_row(supervision, None)
            return
        opinion = self.sim.opinions.pick(rng)
        result = pick(rng, D.RESULT_TEXTS[opinion])
        to = S.RESULT_REPORTED if a.kind == "assign" else S.ANSWERED  # 转办: the report is the answer
        self.step(t, "report_result", to, self.handler, self.handler_org, note=result,
                  data=f'{{"opinion": "{opinion}"}}')
        a.status, a.reported_at, a.result, a.opinion = "reported", t, result, opinion
        self.holder = rec.registrar if to == S.RESULT_REPORTED else self.handler_org
        self.answer_text, self.opinion = result, opinion
        if supervision is not None:
            self.supervision_row(supervision, t)
        if to == S.RESULT_REPORTED:
            self.review_result(a, result, opinion)
        if self.state == S.ANSWERED:
            self.answered_at, self.current_due, self.holder = self.t, None, rec.registrar

    def extend(self, a, after_days):
        rng = self.rng
        t = self.later(after_days)
        if t > self.now:
            return
        reason = pick(rng, D.EXTENSION_REASONS)
        self.events.append((t, "request_extension", S.IN_PROGRESS, S.IN_PROGRESS, self.handler, self.handler_org,
                            None, None, reason, None, f'{{"days": {EXTENSION_DAYS}}}'))
        decided = t + int((1 + rng.random() * 2) * DAY)
        if decided <= self.now:
            self.handling_due += EXTENSION_DAYS
            self.events.append((decided, "approve_extension", S.IN_PROGRESS, S.IN_PROGRESS, self.triage,
                                self.rec.registrar, None, None, "同意延期", self.handling_due,
                                f'{{"days": {EXTENSION_DAYS}}}'))
            a.handling_due, a.extension_days = self.handling_due, EXTENSION_DAYS
            self.current_due = self.handling_due
        else:
            decided = None
        self.rows["extension"].append(
            f"{a.id}\t{EXTENSION_DAYS}\t{reason}\t{'approved' if decided else 'pending'}\t{_n(self.handler)}\t"
            f"{_n(self.triage if decided else None)}\t{self.sim.tsn(decided)}\t{self.sim.ts(t)}")

    def supervision_row(self, supervision, resolved):
        t, org, user, note = supervision
        self.rows["supervision"].append(
            f"{self.rec.id}\t{_n(user)}\t{org.sid}\t{note}\t{self.sim.day(local_day(t) + 10)}\t"
            f"{self.sim.tsn(resolved)}\t{self.sim.ts(t)}")

    def review_result(self, a, result, opinion):
        """The assigning bureau reviews the reported result: 退回重办 now and then, else 审核通过."""
        rec, rng, now = self.rec, self.rng, self.now
        if rng.random() < 0.05:
            t = self.later(1 + rng.random() * 4)
            if t > now:
                return
            self.step(t, "send_back", S.IN_PROGRESS, self.triage, rec.registrar, target_org=self.handler_org,
                      note=pick(rng, D.REDO_NOTES))
            self.holder, a.status = self.handler_org, "accepted"
            t = self.later(5 + rng.random() * 15)
            if t > now:
                return
            self.step(t, "report_result", S.RESULT_REPORTED, self.handler, self.handler_org, note=result,
                      data=f'{{"opinion": "{opinion}"}}')
            self.holder, a.status, a.reported_at = rec.registrar, "reported", t
        t = self.later(1 + rng.random() * 4)
        if t > now:
            return
        self.step(t, "approve_result", S.ANSWERED, self.triage, rec.registrar, note=pick(rng, D.APPROVE_NOTES))
        a.status = "approved"

    def after_answer(self):
        """Evaluation, 复查/复核 now and then, then 办结 (and a public reply for some online cases)."""
        rec, rng, now, sim = self.rec, self.rng, self.now, self.sim
        if rec.people and rng.random() < 0.6:  # 参评率 about 60%
            t = self.answered_at + int((1 + rng.random() * 20) * DAY)
            if t <= now:
                for target in ("bureau", "unit"):
                    self.rows["evaluation"].append(
                        f"{rec.id}\t{target}\t{sim.satisfaction.pick(rng)}\t\t{sim.ts(t)}")
        if rng.random() < 0.03:
            self.appeal()
        if self.state != S.ANSWERED:
            return
        t = self.later(1 + rng.random() * 35)
        if t > now:
            return
        self.closure = sim.closure.pick(rng)
        self.closure_org, self.closure_region = self.handler_org, rec.territory
        self.step(t, "close", S.CLOSED, self.triage, rec.registrar, note=pick(rng, D.CLOSE_NOTES),
                  data=f'{{"closure_category": {self.closure}}}')
        self.closed_at = t
        if rec.channel == "online" and not rec.confidential and rng.random() < 0.1:
            self.public_reply, self.public_reply_at = D.PUBLIC_REPLY, t + 3600
            self.step(t + 3600, "publish_reply", S.CLOSED, self.triage, rec.registrar, note=self.public_reply)

    def appeal(self):
        """复查 (and for one in five of those 复核) by the next level up, within 30 days each."""
        rec, rng, ctx, sim = self.rec, self.rng, self.ctx, self.sim
        levels = [("review", "request_review", "review_decision", S.REVIEWING)]
        if rng.random() < 0.2:
            levels.append(("recheck", "request_recheck", "recheck_decision", S.RECHECKING))
        upper = rec.registrar.government.parent or rec.registrar.government
        reviewer = ctx.by_code.get(upper.code + "01") or sim.bureau or rec.registrar
        for level, ask, decide, state in levels:
            t = self.later(3 + rng.random() * 25)
            if t > self.now:
                return
            reason = pick(rng, D.REVIEW_REASONS)
            due = local_day(t) + REVIEW_DAYS
            self.step(t, ask, state, rec.clerk, rec.registrar, target_org=reviewer, note=reason, deadline=due)
            self.holder, self.current_due = reviewer, due
            requested = t
            t = self.later(7 + rng.random() * 22)
            decided = t if t <= self.now else None
            opinion = pick(rng, D.REVIEW_OPINIONS) if decided else ""
            self.rows["review"].append(
                f"{rec.id}\t{level}\t{reviewer.sid}\t{reason}\t{sim.ts(requested)}\t{sim.day(due)}\t{opinion}\t"
                f"{sim.tsn(decided)}")
            if decided is None:
                return
            self.step(t, decide, S.ANSWERED, ctx.user(reviewer, "triage"), reviewer, note=opinion)
            self.holder, self.current_due, self.answered_at = rec.registrar, None, t

    def archive(self):
        rng = self.rng
        t = self.later(31 + rng.random() * 40)  # after the 30-day review window
        if t <= self.now and rng.random() < 0.92:
            self.step(t, "archive", S.ARCHIVED, self.triage, self.rec.registrar)
            self.archived_at = t


def _n(value):
    return "\\N" if value is None else str(value)
