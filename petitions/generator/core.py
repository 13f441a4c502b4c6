"""The case simulator of ``generate_cases``: one ``random.Random(seed)``, cases in time order.

Each case is registered at a moment drawn from a working-week profile, then walked through
the workflow of ``petitions.workflow.TRANSITIONS`` (register → [report_leader → instruct] →
assign/transfer → accept → [request/approve extension] [supervise] → report_result →
[send_back → report_result] → approve_result → [request_review → review_decision ...] →
close → archive, or reject / answer_face_to_face / not_reaccept), with step durations drawn
from plausible distributions. Steps that would fall after the end moment are not taken, so
recent cases are open and a few slow ones are overdue, as in a real office.

Output is PostgreSQL COPY text (tab-separated, ``\\N`` for NULL, ``t``/``f``), one list of
lines per table; ``petitions.generator.loader`` sends it to PostgreSQL or converts it for
SQLite. Everything random comes from ``self.rng`` in a fixed order, so a seed (with the same
count, years and end date) always produces the same data.
"""
import bisect
import json
from datetime import date, timedelta

from ..idcard import make_id_number
from ..text import search_text
from ..workflow import Status
from . import data as D

DAY = 86400
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving
EPOCH = date(1970, 1, 1)
ACCEPTANCE_DAYS = 15  # 条例 Art.22: route within 15 days
HANDLING_DAYS = 60  # 条例 Art.34: handle within 60 days of acceptance
EXTENSION_DAYS = 30
REVIEW_DAYS = 30
QUERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as petitions.services.intake
SUMMARY_LENGTH = 60

S = Status
CASE_COLUMNS = (
    "id", "number", "registered_org_id", "registered_path", "year", "seq", "channel", "status", "version",
    "query_code", "registered_by_id", "registered_at", "petition_date", "purpose_id", "problem_id",
    "problem_region_id", "content", "summary", "responsible_unit", "responsible_person", "visit_nature_id",
    "visitor_count", "visit_level_id", "letter_nature_id", "signer_count", "received_at", "attachment_kind_id",
    "registration_source_id", "referral_number", "referrer_name", "referrer_title", "referrer_org",
    "is_anonymous", "is_collective", "is_repeat", "first_case_id", "is_skip_level", "is_confidential",
    "accused_org_id", "is_supervised", "acceptance_due", "handling_due", "current_due", "accepted_at",
    "answered_at", "closed_at", "archived_at", "holder_org_id", "reported_leader_id", "latest_instruction",
    "answer_text", "handling_opinion", "closure_category_id", "closure_org_id", "closure_region_id",
    "public_reply", "public_reply_at", "search_tokens", "created_at", "updated_at",
)
PETITIONER_COLUMNS = ("case_id", "position", "is_representative", "name", "sex", "age", "ethnicity_id", "id_type",
                      "id_number", "education_id", "political_id", "address", "workplace", "phone")
EVENT_COLUMNS = ("case_id", "action", "from_status", "to_status", "actor_id", "actor_org_id", "target_org_id",
                 "target_user_id", "note", "deadline", "data", "created_at")
ASSIGNMENT_COLUMNS = ("id", "case_id", "org_id", "org_path", "assigned_by_org_id", "assigned_by_id", "kind",
                      "is_lead", "status", "acceptance_due", "handling_due", "extension_days", "accepted_at",
                      "reported_at", "result_text", "handling_opinion", "note", "created_at")
EVALUATION_COLUMNS = ("case_id", "target", "value", "comment", "evaluated_at")
SUPERVISION_COLUMNS = ("case_id", "ordered_by_id", "ordered_by_org_id", "requirement", "due", "resolved_at",
                       "created_at")
EXTENSION_COLUMNS = ("assignment_id", "days", "reason", "status", "requested_by_id", "decided_by_id", "decided_at",
                     "created_at")
REVIEW_COLUMNS = ("case_id", "level", "org_id", "reason", "requested_at", "due", "opinion", "decided_at")
ABNORMAL_COLUMNS = ("case_id", "dictentry_id")
GRANT_COLUMNS = ("permission_id", "user_id", "content_object_id")

# (key, model label, columns): the order is the load order (foreign keys point backwards).
TABLES = (
    ("case", "petitions.Case", CASE_COLUMNS),
    ("petitioner", "petitions.Petitioner", PETITIONER_COLUMNS),
    ("abnormal", "petitions.Case_abnormal_behaviors", ABNORMAL_COLUMNS),
    ("assignment", "petitions.Assignment", ASSIGNMENT_COLUMNS),
    ("event", "petitions.CaseEvent", EVENT_COLUMNS),
    ("evaluation", "petitions.Evaluation", EVALUATION_COLUMNS),
    ("supervision", "petitions.Supervision", SUPERVISION_COLUMNS),
    ("extension", "petitions.ExtensionRequest", EXTENSION_COLUMNS),
    ("review", "petitions.ReviewRequest", REVIEW_COLUMNS),
    ("grant", "petitions.CaseUserObjectPermission", GRANT_COLUMNS),
)

N = "\\N"  # COPY NULL


def n(value):
    """COPY text of an optional value."""
    return N if value is None else str(value)


class Weighted:
    """Weighted choice by bisecting cumulative weights (one ``rng.random()`` per pick)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        self.items = [item for item, _weight in pairs]
        self.cum, total = [], 0.0
        for _item, weight in pairs:
            total += weight
            self.cum.append(total)
        self.total = total

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class Org:
    __slots__ = ("id", "code", "name", "path", "kind", "parent_id", "parent", "sid")

    def __init__(self, id, code, name, path, kind, parent_id):
        self.id, self.code, self.name, self.path, self.kind, self.parent_id = id, code, name, path, kind, parent_id
        self.parent = None
        self.sid = str(id)

    @property
    def government(self):
        """The territorial unit (州/县/乡) a bureau or department belongs to."""
        return self.parent if self.kind in ("bureau", "department") and self.parent is not None else self


class Context:
    """Everything the simulator reads from the database, loaded once.

    ``orgs``: list of ``Org``; ``dicts``: {kind: {code: id}}; ``dict_names``: {kind: {name: id}};
    ``staff``: {(org_id, role): user_id}; ``fallback_staff``: {org_id: user_id} (an archive
    account per organization); ``view_case_perm``: permission id for confidential grants;
    ``number_format``: the registration service's ``case_number_format``.
    """

    def __init__(self, *, orgs, dicts, dict_names, staff, fallback_staff, view_case_perm, number_format):
        self.orgs = orgs
        self.by_id = {o.id: o for o in orgs}
        self.by_code = {o.code: o for o in orgs}
        for o in orgs:
            o.parent = self.by_id.get(o.parent_id)
        self.dicts = dicts
        self.dict_names = dict_names
        self.staff = staff
        self.fallback_staff = fallback_staff
        self.view_case_perm = view_case_perm
        self.number_format = number_format

    def user(self, org, role):
        """A user of ``org`` acting in ``role`` (a real demo user where one exists)."""
        uid = self.staff.get((org.id, role))
        return uid if uid is not None else self.fallback_staff.get(org.id)


class Person:
    __slots__ = ("name", "sex", "birth", "id_number", "phone", "address", "ethnicity", "education", "political",
                 "workplace")


def day_str(day, _cache={}):
    """'YYYY-MM-DD' of a day number (days since 1970-01-01)."""
    s = _cache.get(day)
    if s is None:
        s = _cache[day] = (EPOCH + timedelta(days=day)).isoformat()
    return s


def local_day(ts):
    return (ts + LOCAL_OFFSET) // DAY


def ts_str(ts):
    """COPY text of a UTC instant given in epoch seconds."""
    day, sec = divmod(ts, DAY)
    return f"{day_str(day)} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+00"


def tsn(ts):
    return N if ts is None else ts_str(ts)


def dn(day):
    return N if day is None else day_str(day)


class Batch:
    """Lines per table for one slice of cases."""

    def __init__(self):
        self.rows = {key: [] for key, _label, _cols in TABLES}
        self.cases = 0


class Simulator:
    """Generates ``count`` cases between ``start_day`` and ``end_ts`` (epoch seconds, UTC)."""

    def __init__(self, ctx, *, seed, count, years, end_date, first_case_id, first_assignment_id, counters):
        import random

        self.ctx = ctx
        self.rng = random.Random(seed)
        self.count = count
        self.end_day = (end_date - EPOCH).days
        # "Now" of the generated history: 18:00 local time on the end date.
        self.now = self.end_day * DAY + 18 * 3600 - LOCAL_OFFSET
        self.start_day = self.end_day - int(round(years * 365)) + 1
        self.next_case_id = first_case_id
        self.next_assignment_id = first_assignment_id
        self.counters = counters  # {(org_id, year): last_seq}, updated as cases are numbered
        self.recent = []  # ring buffer of first-time cases, for repeat visits
        self.recent_pos = 0
        self._prepare()

    # --- set-up ---------------------------------------------------------------------------------

    def _prepare(self):
        ctx, d = self.ctx, self.ctx.dicts
        by_code = ctx.by_code
        self.surnames = Weighted(D.SURNAMES)
        self.regions = Weighted([((code, name), w) for code, w, name in D.REGION_CODES])
        names = ctx.dict_names
        self.ethnicity = Weighted([(names["ethnicity"][n_], w) for n_, w in D.ETHNICITY_WEIGHTS
                                   if n_ in names["ethnicity"]])
        self.education = Weighted([(names["education"][n_], w) for n_, w in D.EDUCATION_WEIGHTS
                                   if n_ in names["education"]])
        self.political = Weighted([(names["political"][n_], w) for n_, w in D.POLITICAL_WEIGHTS
                                   if n_ in names["political"]])
        purpose = d["purpose"]
        self.purpose = Weighted([(("01", purpose.get("01")), 8), (("02", purpose.get("02")), 9),
                                 (("03", purpose.get("03")), 15), (("04", purpose.get("04")), 50),
                                 (("05", purpose.get("05")), 13), (("99", purpose.get("99")), 5)])
        # 所属问题: leaves (second level where the category has children) weighted roughly as
        # petition statistics rank them: land, housing/demolition, labour, legal, rural first.
        weights = {"602014": 15, "602015": 18, "602006": 14, "602005": 10, "602013": 9, "602012": 6,
                   "602011": 6, "602004": 4, "602002": 4, "602008": 3, "602007": 3, "602010": 3, "602001": 1,
                   "602003": 0.3, "602009": 0.5, "602016": 0.3, "602017": 0.7, "602018": 2}
        problem = d["problem"]
        leaves = []
        for code, w in weights.items():
            children = sorted(c for c in problem if c.startswith(code) and len(c) > len(code))
            if children:
                leaves += [((c, problem[c]), w / len(children)) for c in children]
            elif code in problem:
                leaves.append(((code, problem[code]), w))
        self.problems = Weighted(leaves)

        self.bureau = by_code.get("53390001")
        self.prefecture = by_code.get("533900")
        counties = [o for o in ctx.orgs if o.kind == "county"]
        self.townships = [o for o in ctx.orgs if o.kind == "township"]
        self.territories = Weighted([(t, 1.0) for t in self.townships] + [(c, 0.6) for c in counties])
        bureaus = [o for o in ctx.orgs if o.kind == "bureau"]
        departments = [o for o in ctx.orgs if o.kind == "department"]
        # Registering organizations: the prefecture bureau most, county bureaus next, township
        # offices and departments (which also receive petitions directly) less.
        reg = []
        for o in bureaus:
            gov = o.government
            reg.append((o, 300 if gov.kind == "prefecture" else 150 if gov.kind == "county" else 30))
        for o in departments:
            reg.append((o, 12 if o.government.kind != "township" else 2))
        self.registrars = Weighted(reg)
        self.channels = Weighted([("online", 42), ("visit", 26), ("letter", 18), ("phone", 7), ("referral", 4),
                                  ("email", 2), ("fax", 1)])
        self.abnormal_ids = sorted(d["abnormal"].values())
        self.closure = Weighted([(d["closure"].get("1"), 45), (d["closure"].get("2"), 15),
                                 (d["closure"].get("3"), 25), (d["closure"].get("4"), 8),
                                 (d["closure"].get("5"), 5), (d["closure"].get("9"), 2)])
        self.opinions = Weighted([("support", 35), ("partial", 20), ("explain", 35), ("reject", 10)])
        self.satisfaction = Weighted([("satisfied", 68), ("basic", 22), ("unsatisfied", 10)])
        self.visit_levels = d["visit_level"]
        self.reject_reasons = sorted(d["reject_reason"])
        self.day_weights = self._day_profile()

    def _day_profile(self):
        """Cases per day: weekdays full, weekends light, a gentle growth over the years."""
        days = range(self.start_day, self.end_day + 1)
        span = max(1, len(days) - 1)
        weights = []
        for i, day in enumerate(days):
            weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
            w = 1.0 if weekday < 5 else (0.35 if weekday == 5 else 0.25)
            weights.append(w * (0.85 + 0.3 * i / span))
        total = sum(weights)
        exact = [w * self.count / total for w in weights]
        counts = [int(x) for x in exact]
        # Largest remainders get the leftover cases (deterministic, no randomness needed).
        leftover = self.count - sum(counts)
        for i in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[:leftover]:
            counts[i] += 1
        return list(zip(days, counts))

    # --- people ---------------------------------------------------------------------------------

    def _name(self, sex):
        rng = self.rng
        pool = D.GIVEN_MALE if sex == "M" else D.GIVEN_FEMALE
        given = pool[int(rng.random() * len(pool))]
        if rng.random() < 0.7:
            given += pool[int(rng.random() * len(pool))]
        return self.surnames.pick(rng) + given

    def _person(self, reg_day, territory):
        rng = self.rng
        p = Person()
        p.sex = "M" if rng.random() < 0.58 else "F"
        age = int(18 + 62 * (rng.random() + rng.random()) / 2) if rng.random() < 0.9 else int(70 + rng.random() * 20)
        birth_day = reg_day - age * 365 - int(rng.random() * 365)
        p.birth = EPOCH + timedelta(days=birth_day)
        region_code, region_name = self.regions.pick(rng)
        seq = int(rng.random() * 500) * 2 + (1 if p.sex == "M" else 0)
        p.id_number = make_id_number(region_code, p.birth, seq)
        p.name = self._name(p.sex)
        p.phone = D.MOBILE_PREFIXES[int(rng.random() * len(D.MOBILE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"
        town = territory if territory.kind == "township" else None
        if town is not None and rng.random() < 0.85:
            villages = D.VILLAGES.get(town.code) or ["居委会"]
            p.address = f"{town.parent.name if town.parent else ''}{town.name}{villages[int(rng.random() * len(villages))]}"
            p.address += f"{int(rng.random() * 120) + 1}号"
        else:
            p.address = f"{region_name}{D.COMPOUNDS[int(rng.random() * len(D.COMPOUNDS))]}{int(rng.random() * 30) + 1}栋"
        p.ethnicity = self.ethnicity.pick(rng)
        p.education = self.education.pick(rng)
        p.political = self.political.pick(rng)
        p.workplace = D.WORK_UNITS[int(rng.random() * len(D.WORK_UNITS))]
        return p

    # --- text -----------------------------------------------------------------------------------

    def _problem_text(self, code, territory):
        rng = self.rng
        texts = D.PROBLEM_TEXTS.get(code) or D.PROBLEM_TEXTS.get(code[:6]) or D.PROBLEM_TEXTS["602018"]
        template = texts[int(rng.random() * len(texts))]
        town = territory if territory.kind == "township" else None
        villages = D.VILLAGES.get(town.code if town else "", None) or ["城区"]
        place = (territory.parent.name + territory.name) if town and territory.parent else territory.name
        return template.format(
            place=place, village=villages[int(rng.random() * len(villages))],
            compound=D.COMPOUNDS[int(rng.random() * len(D.COMPOUNDS))],
            company=D.COMPANIES[int(rng.random() * len(D.COMPANIES))],
            project=D.PROJECTS[int(rng.random() * len(D.PROJECTS))],
            school=D.SCHOOLS[int(rng.random() * len(D.SCHOOLS))],
            hospital=D.HOSPITALS[int(rng.random() * len(D.HOSPITALS))],
            amount=int(rng.random() * 300 + 1) * 1000, n=int(rng.random() * 40) + 2,
            year=2010 + int(rng.random() * 14), months=int(rng.random() * 18) + 2,
        )

    def _query_code(self, case_id):
        """10 characters: 7 encode a scrambled id (unique), 3 are random."""
        rng, alphabet = self.rng, QUERY_ALPHABET
        x = (case_id * 2654435761 + 97) % 27512614111  # 31**7; the multiplier is coprime to it
        out = []
        for _i in range(7):
            x, r = divmod(x, 31)
            out.append(alphabet[r])
        for _i in range(3):
            out.append(alphabet[int(rng.random() * 31)])
        return "".join(out)

    # --- organizations --------------------------------------------------------------------------

    def _handler_org(self, problem_code, territory, registrar):
        """Where a case goes to be handled: a department matching the problem, at the level the
        registering office works at, or the township office of the place."""
        rng, by_code = self.rng, self.ctx.by_code
        category = problem_code[:6]
        county_dept = {"602006": "03", "602014": "04", "602013": "04", "602015": "05", "602005": "02"}.get(category)
        town_dept = {"602005": "02" if problem_code == "60200502" else "03", "602006": "05", "602014": "04",
                     "602013": "04"}.get(category, "01")
        town = territory if territory.kind == "township" else None
        county = town.parent if town else territory
        level = registrar.government.kind
        r = rng.random()
        if level == "prefecture":
            pref_dept = {"602004": "07", "602011": "06", "602006": "03", "602014": "04", "602015": "05",
                         "602005": "02"}.get(category)
            if pref_dept and r < 0.3:
                return by_code.get("533900" + pref_dept)
            r = rng.random()
            if county_dept and r < 0.5:
                return by_code.get(county.code + county_dept)
        elif level == "county":
            if county_dept and r < 0.5:
                return by_code.get(county.code + county_dept)
        if registrar.kind == "department" and r < 0.6:
            return registrar
        if town is None:
            town = self.townships[int(rng.random() * len(self.townships))]
            if county is not None:
                own = [t for t in self.townships if t.parent_id == county.id]
                town = own[int(rng.random() * len(own))] if own else town
        return by_code.get(town.code + town_dept) or by_code.get(town.code + "01")

    def _territory_for(self, registrar):
        """问题属地: a township (or county) inside the registering office's territory."""
        gov = registrar.government
        rng = self.rng
        if gov.kind == "township":
            return gov
        if gov.kind == "county":
            own = [t for t in self.townships if t.parent_id == gov.id]
            return own[int(rng.random() * len(own))] if own and rng.random() < 0.85 else gov
        return self.territories.pick(rng)

    # --- main loop ------------------------------------------------------------------------------

    def batches(self, batch_size):
        """Yield ``Batch`` objects of about ``batch_size`` cases, in registration order."""
        rng = self.rng
        batch = Batch()
        for day, k in self.day_weights:
            if not k:
                continue
            slots = []
            for _i in range(k):
                channel = self.channels.pick(rng)
                if channel == "visit":  # reception hours 8:30-12:00, 14:30-17:30
                    minute = 510 + int(rng.random() * 210) if rng.random() < 0.55 else 870 + int(rng.random() * 180)
                elif channel == "online":  # around the clock, mostly daytime
                    minute = int(rng.random() * 1440) if rng.random() < 0.3 else 480 + int(rng.random() * 780)
                else:  # letters, calls and referrals are logged in office hours
                    minute = 510 + int(rng.random() * 540)
                slots.append((minute * 60 + int(rng.random() * 60), channel))
            slots.sort()
            base = day * DAY - LOCAL_OFFSET
            for second, channel in slots:
                self._case(batch, base + second, channel)
                batch.cases += 1
                if batch.cases >= batch_size:
                    yield batch
                    batch = Batch()
        if batch.cases:
            yield batch

    def _case(self, batch, t0, channel):
        rng, ctx = self.rng, self.ctx
        d = ctx.dicts
        cid = self.next_case_id
        self.next_case_id += 1
        reg_day = local_day(t0)
        year = (EPOCH + timedelta(days=reg_day)).year
        registrar = self.registrars.pick(rng)
        key = (registrar.id, year)
        seq = self.counters.get(key, 0) + 1
        self.counters[key] = seq
        number = ctx.number_format(org=registrar, year=year, seq=seq)
        clerk = ctx.user(registrar, "clerk")

        # Repeat visit (重访): the same person about the same matter, linked to the first case.
        first = None
        if self.recent and rng.random() < 0.15:
            first = self.recent[int(rng.random() * len(self.recent))]
            if first[7] > t0 - DAY:
                first = None
        if first is not None:
            _id, _number, person, problem, territory, core, purpose, _t = first
            registrar_territory = territory
        else:
            registrar_territory = territory = self._territory_for(registrar)
            problem = self.problems.pick(rng)
            purpose = self.purpose.pick(rng)
            person = None
            core = None
        problem_code, problem_id = problem
        purpose_code, purpose_id = purpose

        # Channel-specific registration fields.
        visit_nature = visitor_count = visit_level = letter_nature = signer_count = received = None
        attachment = source = None
        referral = ("", "", "", "")
        is_collective = is_anonymous = is_skip = False
        abnormal = ()
        representatives = 1
        gov_kind = registrar.government.kind
        if channel == "visit":
            is_collective = rng.random() < 0.22
            visit_nature = d["visit_nature"].get("2" if is_collective else "1")
            if is_collective:
                representatives = 2 + int(rng.random() * 4)
                visitor_count = representatives + int(rng.random() * 40) + 3
            else:
                visitor_count = 1 if rng.random() < 0.8 else 2 + int(rng.random() * 2)
            level_code = {"township": "1", "county": "2", "prefecture": "3"}.get(gov_kind, "2")
            visit_level = self.visit_levels.get(level_code)
            is_skip = gov_kind == "prefecture" and first is None and rng.random() < 0.3
            source = d["reg_source"].get("1")
            if rng.random() < 0.04:  # 异常行为 (about 1% of all cases)
                abnormal = tuple(sorted({self.abnormal_ids[int(rng.random() * len(self.abnormal_ids))]
                                         for _i in range(1 + (rng.random() < 0.25))}))
        elif channel == "online":
            source = d["reg_source"].get("4")
            if rng.random() < 0.03:
                is_collective = True
                representatives = 2 + int(rng.random() * 3)
        else:
            r = rng.random()
            nature = "3" if r < 0.06 else "2" if r < 0.14 else "1"
            letter_nature = d["letter_nature"].get(nature)
            is_anonymous = nature == "3" and first is None
            is_collective = nature == "2"
            representatives = 0 if is_anonymous else 2 + int(rng.random() * 4) if is_collective else 1
            signer_count = None if is_anonymous else representatives + (int(rng.random() * 30) if is_collective else 0)
            received = reg_day - int(rng.random() * 3)
            attachment = d["attachment_kind"].get("0" if rng.random() < 0.6 else "3" if rng.random() < 0.5 else "2")
            if channel == "referral":
                source = d["reg_source"].get("2")
                org_name, title = D.REFERRERS[int(rng.random() * len(D.REFERRERS))]
                referral = (f"转〔{year}〕{int(rng.random() * 900) + 100}号", self._name("M"), title, org_name)
            else:
                source = d["reg_source"].get("1" if rng.random() < 0.9 else "3")

        # People.
        people = []
        if representatives:
            lead = person if person is not None else self._person(reg_day, registrar_territory)
            people.append(lead)
            for _i in range(representatives - 1):
                people.append(self._person(reg_day, registrar_territory))
        person = people[0] if people else None

        # Text.
        if core is None:
            core = self._problem_text(problem_code, territory)
        told = core[2:] if core.startswith("反映") else core
        if first is not None:
            content = f"{person.name}再次反映：{told}。此前已反映，认为问题仍未解决，{D.DEMANDS[int(rng.random() * len(D.DEMANDS))]}。"
        else:
            who = "匿名来信" if is_anonymous else (f"{person.name}等{max(signer_count or 0, visitor_count or 0, len(people))}人"
                                               if is_collective else person.name)
            background = D.BACKGROUNDS[int(rng.random() * len(D.BACKGROUNDS))].format(
                place=territory.name, n=int(rng.random() * 8) + 2)
            content = f"{who}反映：{told}。{background + '。' if background else ''}{D.DEMANDS[int(rng.random() * len(D.DEMANDS))]}。"
        summary = core[:SUMMARY_LENGTH]

        confidential = purpose_code == "02" and problem_code.startswith("602004") and not is_anonymous and rng.random() < 0.5
        accused = None
        if confidential:
            accused = territory if territory.kind == "township" else None

        # --- the workflow walk ---------------------------------------------------------------
        now = self.now
        events = []
        ev = events.append
        state = S.PENDING
        acceptance_due = reg_day + ACCEPTANCE_DAYS
        ev((t0, "register", "", S.PENDING, clerk, registrar, None, None, "", acceptance_due,
            json.dumps({"channel": channel, "attachments": 0, "persons": len(people),
                        "first_case": None if first is None else first[1]})))
        holder = registrar
        current_due = acceptance_due
        handling_due = accepted_at = answered_at = closed_at = archived_at = None
        leader = latest_instruction = None
        answer_text = opinion = ""
        closure = closure_org = closure_region = None
        public_reply, public_reply_at = "", None
        supervised = False
        responsible_unit = ""
        assignments = []  # lists so the walk can update status fields in place
        triage = ctx.user(registrar, "triage")
        t = t0
        r = rng.random()
        path = ("face" if channel == "visit" and r < 0.06 or purpose_code == "05" and r < 0.35 else
                "reject" if r < 0.40 and purpose_code == "05" or r > 0.95 else
                "not_reaccept" if first is not None and r > 0.92 else "handle")

        def at(delta_days, lo=0.0):
            """Time ``delta_days`` (fractional) after the last step, inside office hours roughly."""
            return t + int((lo + delta_days) * DAY) + int(rng.random() * 3600)

        if path == "face":
            t = t0 + 600 + int(rng.random() * 3000)
            if t <= now:
                answer_text = "已当面向信访人解释相关政策和办理途径，信访人表示认可"
                ev((t, "answer_face_to_face", S.PENDING, S.CLOSED, clerk, registrar, None, None, answer_text,
                    None, "{}"))
                state, current_due = S.CLOSED, None
                accepted_at = answered_at = closed_at = t0
                holder = registrar
        elif path in ("reject", "not_reaccept"):
            t = at(rng.random() * 10)
            if t <= now:
                if path == "reject":
                    reason = self.reject_reasons[int(rng.random() * len(self.reject_reasons))]
                    ev((t, "reject", S.PENDING, S.REJECTED, triage, registrar, None, None,
                        "该事项应通过法定途径解决，已告知信访人", None, json.dumps({"reason": reason})))
                    state = S.REJECTED
                else:
                    ev((t, "not_reaccept", S.PENDING, S.NOT_REACCEPTED, triage, registrar, None, None,
                        "同一事项已经复查复核，不再受理", None, "{}"))
                    state = S.NOT_REACCEPTED
                current_due = None
                closed_at = t
                t2 = at(5 + rng.random() * 40)
                if t2 <= now and rng.random() < 0.8:
                    ev((t2, "archive", state, S.ARCHIVED, triage, registrar, None, None, "", None, "{}"))
                    state, archived_at = S.ARCHIVED, t2
        else:
            # 上报领导 → 领导批示 (about one case in ten at bureaus with a leader).
            if registrar.kind == "bureau" and rng.random() < 0.10:
                t = at(rng.random() * 2)
                if t <= now:
                    leader = ctx.user(registrar, "leader")
                    due = local_day(t) + 5
                    ev((t, "report_leader", S.PENDING, S.AWAITING_INSTRUCTION, triage, registrar, None, leader,
                        "请领导批示", due, "{}"))
                    state, current_due = S.AWAITING_INSTRUCTION, due
                    t = at(rng.random() * 4)
                    if t <= now:
                        latest_instruction = D.INSTRUCTIONS[int(rng.random() * len(D.INSTRUCTIONS))]
                        ev((t, "instruct", S.AWAITING_INSTRUCTION, S.PENDING, leader, registrar, None, None,
                            latest_instruction, None, "{}"))
                        state, current_due = S.PENDING, acceptance_due
            handler_org = self._handler_org(problem_code, territory, registrar)
            if confidential:
                handler_org = ctx.by_code.get("53390007") or handler_org
            returned = False
            while state == S.PENDING:
                late = rng.random() < 0.05
                t = at(12 + rng.random() * 14 if late else rng.random() * 9)
                if t > now:
                    break
                kind = "assign" if rng.random() < 0.45 else "transfer"
                a_day = local_day(t)
                assignment = [self.next_assignment_id, handler_org, kind, "pending", a_day + ACCEPTANCE_DAYS,
                              None, 0, None, None, "", "", D.ASSIGN_NOTES[int(rng.random() * len(D.ASSIGN_NOTES))], t]
                self.next_assignment_id += 1
                assignments.append(assignment)
                ev((t, kind, S.PENDING, S.AWAITING_ACCEPTANCE, triage, registrar, handler_org, None, assignment[11],
                    a_day + ACCEPTANCE_DAYS, json.dumps({"assignment": assignment[0], "kind": kind})))
                state, holder, current_due = S.AWAITING_ACCEPTANCE, handler_org, a_day + ACCEPTANCE_DAYS
                responsible_unit = handler_org.name
                handler = ctx.user(handler_org, "handler")
                if not returned and rng.random() < 0.04:  # 退回: wrongly assigned, within 5 working days
                    t = at(1 + rng.random() * 5)
                    if t > now:
                        break
                    note = D.RETURN_REASONS[int(rng.random() * len(D.RETURN_REASONS))]
                    ev((t, "return", S.AWAITING_ACCEPTANCE, S.PENDING, handler, handler_org, registrar, None, note,
                        None, json.dumps({"assignment": assignment[0]})))
                    assignment[3] = "returned"
                    state, holder, current_due, returned = S.PENDING, registrar, acceptance_due, True
                    responsible_unit = ""
                    other = self._handler_org(problem_code, territory, registrar)
                    handler_org = other if other is not None and other.id != handler_org.id else (
                        ctx.by_code.get(territory.code + "01") or handler_org)
            if state == S.AWAITING_ACCEPTANCE:
                a = assignments[-1]
                t = at(1 + rng.random() * 6 if rng.random() < 0.96 else 16 + rng.random() * 15)
                if t <= now:
                    accepted_at = t
                    handling_due = local_day(t) + HANDLING_DAYS
                    ev((t, "accept", S.AWAITING_ACCEPTANCE, S.IN_PROGRESS, handler, handler_org, None, None,
                        D.ACCEPT_NOTES[int(rng.random() * len(D.ACCEPT_NOTES))], None, "{}"))
                    state, current_due = S.IN_PROGRESS, handling_due
                    a[3], a[5], a[7] = "accepted", handling_due, t
            if state == S.IN_PROGRESS:
                a = assignments[-1]
                r = rng.random()
                duration = (5 + rng.random() * 45 if r < 0.85 else 50 + rng.random() * 25 if r < 0.95
                            else 75 + rng.random() * 75 if r < 0.985 else 150 + rng.random() * 750)
                accepted = t
                extension = None
                if duration > 45 and rng.random() < 0.5:
                    te = at(min(duration, 57) - 10 + rng.random() * 5)
                    if te <= now:
                        reason = D.EXTENSION_REASONS[int(rng.random() * len(D.EXTENSION_REASONS))]
                        ev((te, "request_extension", S.IN_PROGRESS, S.IN_PROGRESS, handler, handler_org, None, None,
                            reason, None, json.dumps({"days": EXTENSION_DAYS})))
                        ta = te + int((1 + rng.random() * 2) * DAY)
                        extension = [a[0], reason, te, None]
                        if ta <= now:
                            handling_due += EXTENSION_DAYS
                            ev((ta, "approve_extension", S.IN_PROGRESS, S.IN_PROGRESS, triage, registrar, None, None,
                                "同意延期", handling_due, json.dumps({"days": EXTENSION_DAYS})))
                            a[5], a[6] = handling_due, EXTENSION_DAYS
                            current_due = handling_due
                            extension[3] = ta
                        batch.rows["extension"].append(
                            f"{a[0]}\t{EXTENSION_DAYS}\t{reason}\t{'approved' if extension[3] else 'pending'}\t"
                            f"{n(handler)}\t{n(triage if extension[3] else None)}\t{tsn(extension[3])}\t{ts_str(te)}")
                sup_at = None
                if rng.random() < (0.4 if duration > 75 else 0.02):
                    sup_at = accepted + int(min(duration * 0.7, 70 + rng.random() * 20) * DAY)
                    if sup_at <= now:
                        supervised = True
                        sup_note = D.SUPERVISION_NOTES[int(rng.random() * len(D.SUPERVISION_NOTES))]
                        sup_org = self.bureau if self.bureau is not None else registrar
                        sup_user = ctx.user(sup_org, "supervisor")
                        ev((sup_at, "supervise", S.IN_PROGRESS, S.IN_PROGRESS, sup_user, sup_org, handler_org, None,
                            sup_note, local_day(sup_at) + 10, "{}"))
                    else:
                        sup_at = None
                t = accepted + int(duration * DAY)
                if t <= now:
                    opinion = self.opinions.pick(rng)
                    result = D.RESULT_TEXTS[opinion][int(rng.random() * len(D.RESULT_TEXTS[opinion]))]
                    kind = a[2]
                    to = S.RESULT_REPORTED if kind == "assign" else S.ANSWERED
                    ev((t, "report_result", S.IN_PROGRESS, to, handler, handler_org, None, None, result, None,
                        json.dumps({"opinion": opinion})))
                    a[3], a[8], a[9], a[10] = "reported", t, result, opinion
                    state, holder = to, registrar if to == S.RESULT_REPORTED else handler_org
                    answer_text = result
                    if sup_at is not None:  # the supervision order is resolved by the result
                        batch.rows["supervision"].append(
                            f"{cid}\t{n(sup_user)}\t{sup_org.sid}\t{sup_note}\t{day_str(local_day(sup_at) + 10)}\t"
                            f"{ts_str(t)}\t{ts_str(sup_at)}")
                        sup_at = None
                    if to == S.RESULT_REPORTED:
                        if rng.random() < 0.05:  # 退回重办
                            t = at(1 + rng.random() * 4)
                            if t <= now:
                                ev((t, "send_back", S.RESULT_REPORTED, S.IN_PROGRESS, triage, registrar, handler_org,
                                    None, D.REDO_NOTES[int(rng.random() * len(D.REDO_NOTES))], None, "{}"))
                                state, holder, a[3] = S.IN_PROGRESS, handler_org, "accepted"
                                t = at(5 + rng.random() * 15)
                                if t <= now:
                                    ev((t, "report_result", S.IN_PROGRESS, S.RESULT_REPORTED, handler, handler_org,
                                        None, None, result, None, json.dumps({"opinion": opinion})))
                                    state, holder, a[3], a[8] = S.RESULT_REPORTED, registrar, "reported", t
                        if state == S.RESULT_REPORTED:
                            t = at(1 + rng.random() * 4)
                            if t <= now:
                                ev((t, "approve_result", S.RESULT_REPORTED, S.ANSWERED, triage, registrar, None,
                                    None, D.APPROVE_NOTES[int(rng.random() * len(D.APPROVE_NOTES))], None, "{}"))
                                state, a[3] = S.ANSWERED, "approved"
                    if state == S.ANSWERED:
                        answered_at, current_due, holder = t, None, registrar
                if sup_at is not None:  # still open: the supervision order is unresolved
                    batch.rows["supervision"].append(
                        f"{cid}\t{n(sup_user)}\t{sup_org.sid}\t{sup_note}\t{day_str(local_day(sup_at) + 10)}\t"
                        f"{N}\t{ts_str(sup_at)}")
            if state == S.ANSWERED:
                # Evaluation by the petitioner (参评率 about 60%).
                if person is not None and rng.random() < 0.6:
                    te = answered_at + int((1 + rng.random() * 20) * DAY)
                    if te <= now:
                        v1, v2 = self.satisfaction.pick(rng), self.satisfaction.pick(rng)
                        batch.rows["evaluation"].append(f"{cid}\tbureau\t{v1}\t\t{ts_str(te)}")
                        batch.rows["evaluation"].append(f"{cid}\tunit\t{v2}\t\t{ts_str(te)}")
                # 复查 / 复核 (a few percent), decided by the next level up.
                if rng.random() < 0.03:
                    levels = [("review", "request_review", "review_decision", S.REVIEWING)]
                    if rng.random() < 0.2:
                        levels.append(("recheck", "request_recheck", "recheck_decision", S.RECHECKING))
                    reviewer = registrar.government.parent or registrar.government
                    reviewer_bureau = ctx.by_code.get(reviewer.code + "01") or self.bureau or registrar
                    for level, ask, decide, st in levels:
                        t = at(3 + rng.random() * 25)
                        if t > now or state != S.ANSWERED:
                            break
                        reason = D.REVIEW_REASONS[int(rng.random() * len(D.REVIEW_REASONS))]
                        due = local_day(t) + REVIEW_DAYS
                        ev((t, ask, S.ANSWERED, st, clerk, registrar, reviewer_bureau, None, reason, due, "{}"))
                        state, holder, current_due = st, reviewer_bureau, due
                        requested = t
                        t = at(7 + rng.random() * 22)
                        decided = t if t <= now else None
                        opinion_text = D.REVIEW_OPINIONS[int(rng.random() * len(D.REVIEW_OPINIONS))] if decided else ""
                        batch.rows["review"].append(
                            f"{cid}\t{level}\t{reviewer_bureau.sid}\t{reason}\t{ts_str(requested)}\t{day_str(due)}\t"
                            f"{opinion_text}\t{tsn(decided)}")
                        if decided is None:
                            break
                        ev((t, decide, st, S.ANSWERED, ctx.user(reviewer_bureau, "triage"), reviewer_bureau, None,
                            None, opinion_text, None, "{}"))
                        state, holder, current_due = S.ANSWERED, registrar, None
                        answered_at = t
                if state == S.ANSWERED:
                    t = at(1 + rng.random() * 35)
                    if t <= now:
                        closure = self.closure.pick(rng)
                        closure_org, closure_region = handler_org, territory
                        ev((t, "close", S.ANSWERED, S.CLOSED, triage, registrar, None, None,
                            D.CLOSE_NOTES[int(rng.random() * len(D.CLOSE_NOTES))], None,
                            json.dumps({"closure_category": closure})))
                        state, closed_at = S.CLOSED, t
                        if channel == "online" and rng.random() < 0.1 and not confidential:
                            public_reply, public_reply_at = D.PUBLIC_REPLY, t + 3600
                            ev((public_reply_at, "publish_reply", S.CLOSED, S.CLOSED, triage, registrar, None, None,
                                public_reply, None, "{}"))
            if state == S.CLOSED:
                t = at(31 + rng.random() * 40)  # after the 30-day review window
                if t <= now and rng.random() < 0.92:
                    ev((t, "archive", S.CLOSED, S.ARCHIVED, triage, registrar, None, None, "", None, "{}"))
                    state, archived_at = S.ARCHIVED, t
        last_t = events[-1][0]

        # --- rows -----------------------------------------------------------------------------
        if first is None and person is not None:
            slot = (cid, number, person, problem, territory, core, purpose, t0)
            if len(self.recent) < 50000:
                self.recent.append(slot)
            else:
                self.recent[self.recent_pos] = slot
                self.recent_pos = (self.recent_pos + 1) % 50000
        rows = batch.rows
        search = search_text(content, summary, responsible_unit)
        ts0 = ts_str(t0)
        rows["case"].append("\t".join((
            str(cid), number, registrar.sid, registrar.path, str(year), str(seq), channel, state,
            str(len(events)), self._query_code(cid), n(clerk), ts0, day_str(reg_day if received is None else received),
            n(purpose_id), n(problem_id), territory.sid, content, summary, responsible_unit,
            "", n(visit_nature), n(visitor_count), n(visit_level), n(letter_nature), n(signer_count), dn(received),
            n(attachment), n(source), *referral,
            "t" if is_anonymous else "f", "t" if is_collective else "f", "f" if first is None else "t",
            N if first is None else str(first[0]), "t" if is_skip else "f", "t" if confidential else "f",
            N if accused is None else accused.sid, "t" if supervised else "f",
            day_str(acceptance_due), dn(handling_due), dn(current_due), tsn(accepted_at), tsn(answered_at),
            tsn(closed_at), tsn(archived_at), holder.sid, n(leader), latest_instruction or "", answer_text,
            opinion, n(closure), N if closure_org is None else closure_org.sid,
            N if closure_region is None else closure_region.sid, public_reply, tsn(public_reply_at), search,
            ts0, ts_str(last_t),
        )))
        reg_date = EPOCH + timedelta(days=reg_day)
        for i, p in enumerate(people, start=1):
            age = reg_date.year - p.birth.year - ((reg_date.month, reg_date.day) < (p.birth.month, p.birth.day))
            rows["petitioner"].append(
                f"{cid}\t{i}\t{'t' if is_collective and channel == 'visit' else 'f'}\t{p.name}\t{p.sex}\t{age}\t"
                f"{p.ethnicity}\tresident_id\t{p.id_number}\t{p.education}\t{p.political}\t{p.address}\t"
                f"{p.workplace}\t{p.phone}")
        for entry in abnormal:
            rows["abnormal"].append(f"{cid}\t{entry}")
        for a in assignments:
            org = a[1]
            rows["assignment"].append(
                f"{a[0]}\t{cid}\t{org.sid}\t{org.path}\t{registrar.sid}\t{n(triage)}\t{a[2]}\tt\t{a[3]}\t"
                f"{day_str(a[4])}\t{dn(a[5])}\t{a[6]}\t{tsn(a[7])}\t{tsn(a[8])}\t{a[9]}\t{a[10]}\t{a[11]}\t{ts_str(a[12])}")
        for (et, action, frm, to, actor, actor_org, target_org, target_user, note, deadline, data_json) in events:
            rows["event"].append(
                f"{cid}\t{action}\t{frm}\t{to}\t{n(actor)}\t{actor_org.sid}\t"
                f"{N if target_org is None else target_org.sid}\t{n(target_user)}\t{note}\t{dn(deadline)}\t"
                f"{data_json}\t{ts_str(et)}")
        if confidential and clerk is not None and ctx.view_case_perm is not None:
            rows["grant"].append(f"{ctx.view_case_perm}\t{clerk}\t{cid}")
