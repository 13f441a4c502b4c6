"""The case simulator of ``generate_cases``: one ``random.Random(seed)``, cases in time order.

Each case is registered at a moment drawn from a working-week profile, then walked through
the workflow of ``petitions.workflow.TRANSITIONS`` (register → [report_leader → instruct] →
assign/transfer → accept → [request/approve extension] [supervise] → report_result →
[send_back → report_result] → approve_result → [request_review → review_decision ...] →
close → archive, or reject / answer_face_to_face / not_reaccept), with step durations drawn
from plausible distributions. Steps that would fall after the end moment are not taken, so
recent cases are open and a few slow ones are overdue, as in a real office.

Output is PostgreSQL COPY text (tab-separated, ``\\N`` for NULL, ``t``/``f``), one list of
lines per table; ``bench.generator.loader`` sends it to PostgreSQL or converts it for
SQLite. Everything random comes from ``self.rng`` in a fixed order, so a seed (with the same
count, years and end date) always produces the same data.
"""
import bisect
import hashlib
from datetime import date, timedelta

from petitions.lib import fieldcrypt
from petitions.domain.idcard import make_id_number
from petitions.lib.text import search_text
from bench.generator import data as D
from bench.generator.walk import Walk

DAY = 86400
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving
EPOCH = date(1970, 1, 1)
QUERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as petitions.services.intake
SUMMARY_LENGTH = 60
RECENT = 50000  # first-time cases remembered for repeat petitions

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


class Record:
    """What the registration step decided about one case (read by the workflow walk)."""

    __slots__ = ("id", "number", "t0", "channel", "registrar", "clerk", "first", "territory", "problem_code",
                 "purpose_code", "people", "confidential")


class Person:
    __slots__ = ("name", "sex", "birth", "id_number", "id_token", "phone", "phone_token", "address", "address_token",
                 "ethnicity", "education", "political", "workplace")


def day_str(day, _cache={}):
    """'YYYY-MM-DD' of a day number (days since 1970-01-01)."""
    s = _cache.get(day)
    if s is None:
        s = _cache[day] = (EPOCH + timedelta(days=day)).isoformat()
    return s


def local_day(ts):
    return (ts + LOCAL_OFFSET) // DAY


HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def ts_str(ts):
    """COPY text of a UTC instant given in epoch seconds."""
    day, sec = divmod(ts, DAY)
    return f"{day_str(day)} {HMS[sec]}+00"


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
        # Registering organizations: the petition bureaus (the triage pools), the prefecture
        # bureau most, county bureaus next, township offices less. Departments and townships
        # appear as handling units of the assignments.
        self.registrars = Weighted([(o, 300 if o.government.kind == "prefecture" else
                                     150 if o.government.kind == "county" else 30) for o in bureaus])
        self.channels = Weighted([("online", 42), ("visit", 26), ("letter", 18), ("phone", 7), ("referral", 4),
                                  ("email", 2), ("fax", 1)])
        self.abnormal_ids = sorted(d["abnormal"].values())
        self.closure = Weighted([(d["closure"].get("1"), 45), (d["closure"].get("2"), 15),
                                 (d["closure"].get("3"), 25), (d["closure"].get("4"), 8),
                                 (d["closure"].get("5"), 5), (d["closure"].get("9"), 2)])
        self.opinions = Weighted([("support", 35), ("partial", 20), ("explain", 35), ("reject", 10)])
        self.satisfaction = Weighted([("satisfied", 68), ("basic", 22), ("unsatisfied", 10)])
        self.visit_levels = d["visit_level"]
        self.ts, self.tsn, self.day = ts_str, tsn, day_str
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
        p.id_token = fieldcrypt.encrypt(p.id_number)  # stored encrypted, as the model field does
        p.name = self._name(p.sex)
        p.phone = D.MOBILE_PREFIXES[int(rng.random() * len(D.MOBILE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"
        p.phone_token = fieldcrypt.encrypt(p.phone)
        town = territory if territory.kind == "township" else None
        if town is not None and rng.random() < 0.85:
            villages = D.VILLAGES.get(town.code) or ["居委会"]
            p.address = f"{town.parent.name if town.parent else ''}{town.name}{villages[int(rng.random() * len(villages))]}"
            p.address += f"{int(rng.random() * 120) + 1}号"
        else:
            p.address = f"{region_name}{D.COMPOUNDS[int(rng.random() * len(D.COMPOUNDS))]}{int(rng.random() * 30) + 1}栋"
        # Sealed like the model field does; the IV comes from the person (not from the random
        # stream, which stays as it was) so that the same seed gives the same rows.
        iv = hashlib.sha256(f"{p.id_number}{p.address}".encode()).digest()[:16]
        p.address_token = fieldcrypt.seal(p.address, iv=iv)
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

    def handler_org(self, problem_code, territory, registrar):
        """Where a case goes to be handled: a department matching the problem at the level the
        registering bureau works at, or the township of the place (its government, or the
        township department that matches the problem)."""
        rng, by_code = self.rng, self.ctx.by_code
        category = problem_code[:6]
        county_dept = {"602006": "03", "602014": "04", "602013": "04", "602015": "05", "602005": "02"}.get(category)
        town_dept = {"602005": "02" if problem_code == "60200502" else "03", "602006": "05", "602014": "04",
                     "602013": "04"}.get(category)
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
        if town is None:
            town = self.townships[int(rng.random() * len(self.townships))]
            if county is not None:
                own = [t for t in self.townships if t.parent_id == county.id]
                town = own[int(rng.random() * len(own))] if own else town
        if town_dept and rng.random() < 0.5:
            return by_code.get(town.code + town_dept) or town
        return town

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
        """Register one case at ``t0``, walk it through the workflow, append its rows."""
        rng, ctx = self.rng, self.ctx
        d = ctx.dicts
        rec = Record()
        rec.id = cid = self.next_case_id
        self.next_case_id += 1
        rec.t0, rec.channel = t0, channel
        reg_day = local_day(t0)
        year = (EPOCH + timedelta(days=reg_day)).year
        rec.registrar = registrar = self.registrars.pick(rng)
        key = (registrar.id, year)
        seq = self.counters.get(key, 0) + 1
        self.counters[key] = seq
        rec.number = ctx.number_format(org=registrar, year=year, seq=seq)
        rec.clerk = ctx.user(registrar, "clerk")

        # Repeat petition (重访): the same person about the same matter, linked to the first case.
        first = None
        if self.recent and rng.random() < 0.15:
            first = self.recent[int(rng.random() * len(self.recent))]
            if first[7] > t0 - DAY:
                first = None
        rec.first = first
        if first is not None:
            _id, _number, person, problem, territory, core, purpose, _t = first
        else:
            territory = self._territory_for(registrar)
            problem = self.problems.pick(rng)
            purpose = self.purpose.pick(rng)
            person = core = None
        rec.territory = territory
        rec.problem_code, problem_id = problem
        rec.purpose_code, purpose_id = purpose

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
            if is_collective:  # at most 5 representatives (条例 Art.20)
                representatives = 2 + int(rng.random() * 4)
                visitor_count = representatives + int(rng.random() * 40) + 3
            else:
                visitor_count = 1 if rng.random() < 0.8 else 2 + int(rng.random() * 2)
            visit_level = self.visit_levels.get({"township": "1", "county": "2", "prefecture": "3"}.get(gov_kind, "2"))
            is_skip = gov_kind == "prefecture" and first is None and rng.random() < 0.3
            source = d["reg_source"].get("1")
            if rng.random() < 0.04:  # 异常行为: about 1% of all cases
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

        people = []
        if representatives:
            people.append(person if person is not None else self._person(reg_day, territory))
            for _i in range(representatives - 1):
                people.append(self._person(reg_day, territory))
        rec.people = people

        # Text: who, what (the problem template), background, demand.
        if core is None:
            core = self._problem_text(rec.problem_code, territory)
        told = core[2:] if core.startswith("反映") else core
        demand = D.DEMANDS[int(rng.random() * len(D.DEMANDS))]
        if first is not None:
            content = f"{people[0].name}再次反映：{told}。此前已反映，认为问题仍未解决，{demand}。"
        else:
            who = ("匿名来信" if is_anonymous else
                   f"{people[0].name}等{max(signer_count or 0, visitor_count or 0, len(people))}人" if is_collective
                   else people[0].name)
            background = D.BACKGROUNDS[int(rng.random() * len(D.BACKGROUNDS))].format(
                place=territory.name, n=int(rng.random() * 8) + 2)
            content = f"{who}反映：{told}。{background + '。' if background else ''}{demand}。"
        summary = core[:SUMMARY_LENGTH]
        rec.confidential = (rec.purpose_code == "02" and rec.problem_code.startswith("602004") and not is_anonymous
                            and rng.random() < 0.5)
        accused = territory if rec.confidential and territory.kind == "township" else None

        w = Walk(self, rec, batch.rows).run()

        if first is None and people:
            slot = (cid, rec.number, people[0], problem, territory, core, purpose, t0)
            if len(self.recent) < RECENT:
                self.recent.append(slot)
            else:
                self.recent[self.recent_pos] = slot
                self.recent_pos = (self.recent_pos + 1) % RECENT

        # --- rows -----------------------------------------------------------------------------
        rows = batch.rows
        events = w.events
        events.sort(key=_event_time)  # supervision and extension steps interleave with the main path
        ts, tsn = self.ts, self.tsn
        ts0 = ts(t0)
        rows["case"].append("\t".join((
            str(cid), rec.number, registrar.sid, registrar.path, str(year), str(seq), channel, w.state,
            str(len(events)), self._query_code(cid), n(rec.clerk), ts0, day_str(reg_day if received is None else received),
            n(purpose_id), n(problem_id), territory.sid, content, summary, w.responsible_unit,
            "", n(visit_nature), n(visitor_count), n(visit_level), n(letter_nature), n(signer_count), dn(received),
            n(attachment), n(source), *referral,
            "t" if is_anonymous else "f", "t" if is_collective else "f", "f" if first is None else "t",
            N if first is None else str(first[0]), "t" if is_skip else "f", "t" if rec.confidential else "f",
            N if accused is None else accused.sid, "t" if w.supervised else "f",
            day_str(w.acceptance_due), dn(w.handling_due), dn(w.current_due), tsn(w.accepted_at), tsn(w.answered_at),
            tsn(w.closed_at), tsn(w.archived_at), w.holder.sid, n(w.leader), w.latest_instruction, w.answer_text,
            w.opinion, n(w.closure), N if w.closure_org is None else w.closure_org.sid,
            N if w.closure_region is None else w.closure_region.sid, w.public_reply, tsn(w.public_reply_at),
            search_text(content, summary, w.responsible_unit), ts0, ts(events[-1][0]),
        )))
        reg_date = EPOCH + timedelta(days=reg_day)
        representative = "t" if is_collective and channel == "visit" else "f"
        for i, p in enumerate(people, start=1):
            age = reg_date.year - p.birth.year - ((reg_date.month, reg_date.day) < (p.birth.month, p.birth.day))
            rows["petitioner"].append(
                f"{cid}\t{i}\t{representative}\t{p.name}\t{p.sex}\t{age}\t{p.ethnicity}\tresident_id\t{p.id_token}\t"
                f"{p.education}\t{p.political}\t{p.address_token}\t{p.workplace}\t{p.phone_token}")
        for entry in abnormal:
            rows["abnormal"].append(f"{cid}\t{entry}")
        triage = n(w.triage)
        for a in w.assignments:
            rows["assignment"].append(
                f"{a.id}\t{cid}\t{a.org.sid}\t{a.org.path}\t{registrar.sid}\t{triage}\t{a.kind}\tt\t{a.status}\t"
                f"{day_str(a.acceptance_due)}\t{dn(a.handling_due)}\t{a.extension_days}\t{tsn(a.accepted_at)}\t"
                f"{tsn(a.reported_at)}\t{a.result}\t{a.opinion}\t{a.note}\t{ts(a.created_at)}")
        for (et, action, frm, to, actor, actor_org, target_org, target_user, note, deadline, data_json) in events:
            rows["event"].append(
                f"{cid}\t{action}\t{frm}\t{to}\t{n(actor)}\t{actor_org.sid}\t"
                f"{N if target_org is None else target_org.sid}\t{n(target_user)}\t{note}\t{dn(deadline)}\t"
                f"{data_json}\t{ts(et)}")
        if rec.confidential and rec.clerk is not None and ctx.view_case_perm is not None:
            rows["grant"].append(f"{ctx.view_case_perm}\t{rec.clerk}\t{cid}")


def _event_time(event):
    return event[0]
