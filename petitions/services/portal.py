"""Writes of the public portal (群众端): online petitions, evaluations and 复查/复核 requests.

Who acts. A citizen has no account. Each organization the portal acts for gets one system
account, ``portal:<org code>`` ("网上信访"), created on first use by ``portal_actor_for``: it
belongs to that organization and holds exactly one permission, ``petitions.register_case`` (as
an online clerk would), given directly rather than through a role. It cannot log in: it has no
usable password and is locked (``accounts.backends.LockAwareModelBackend`` refuses it), and the
portal restores both on every use; the ":" in its name is one no staff form accepts
(accounts.forms), so it never collides with a person's account. Being a locked account it is
never told about anything (``users_acting_for`` skips locked users).

So an online petition is registered by the real ``register_case`` with the chosen bureau's
portal account: the case is numbered, held and pooled by that bureau like any other, and its
trail and audit rows name the "网上信访" account and the visitor's address. A 复查/复核 request
goes through ``case_transition`` with the portal account of the registering organization, which
the transition table already allows (登记员 record requests for the petitioner); no staff
permission is widened.
"""
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .. import assignment_tree as tree
from .. import clock
from ..exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from ..models import Case, Channel, Evaluation, EvaluationTarget, IdType, ReviewLevel, Satisfaction
from ..workflow import TRANSITIONS, Status
from .deadlines import review_window
from .events import case_event_record
from .intake import register_case
from .transitions import case_transition

PORTAL_USERNAME_PREFIX = "portal:"
PORTAL_ACTOR_NAME = "网上信访"  # stored as the account's name, shown in the staff trail
PORTAL_PERMISSION = ("petitions", "register_case")
EVALUABLE_STATUSES = (Status.ANSWERED, Status.CLOSED)
MAX_COMMENT = 500


def portal_username(org):
    return f"{PORTAL_USERNAME_PREFIX}{org.code}"


def is_portal_actor(user):
    return bool(getattr(user, "username", "").startswith(PORTAL_USERNAME_PREFIX))


def portal_actor_for(org):
    """The "网上信访" system account of ``org``, created on first use (see the module docstring).

    Re-locks the account and removes any password an administrator may have set, so that it
    never becomes a way to log in. Returns a fresh instance (no stale permission cache)."""
    user, created = User.objects.get_or_create(
        username=portal_username(org),
        defaults={"organization": org, "real_name": PORTAL_ACTOR_NAME, "is_locked": True, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        app_label, codename = PORTAL_PERMISSION
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    elif not user.is_locked or user.has_usable_password() or not user.is_active or user.organization_id != org.pk:
        user.set_unusable_password()
        user.is_locked, user.is_active, user.organization = True, True, org
        user.save(update_fields=["password", "is_locked", "is_active", "organization"])
    return User.objects.select_related("organization").get(pk=user.pk)


# --- 网上信访 ----------------------------------------------------------------------------------------

def portal_petition_submit(*, bureau, name, id_number, phone, content, submit_token, address="", purpose=None,
                           problem=None, request=None):
    """Register an online petition (网上信访) addressed to ``bureau``; return the ``Case``.

    Preconditions: ``bureau`` is one of ``petitions.portal.selectors.portal_bureaus()``
    (``ValidationError`` on ``bureau`` otherwise); the other inputs are the form's cleaned
    values (the service checks them again through ``register_case``: name, GB 11643 ID number,
    content).

    Writes, through ``register_case`` in one transaction: the case (channel 网上信访, status
    待分流, registered and held by ``bureau``, so it is in that bureau's 分流池 with the 15-day
    routing deadline), its petitioner, the ``register`` event and its audit row, actor = the
    bureau's portal account (``portal_actor_for``; created beforehand if needed).

    Idempotent per ``submit_token``: a second post of the same form returns the first case with
    ``case.replayed = True``. Raises ``ValidationError`` (dict keyed by case field or
    ``petitioners.0.<field>``); nothing is written.
    """
    from ..portal.selectors import portal_bureaus

    if bureau is None or not portal_bureaus().filter(pk=bureau.pk).exists():
        raise ValidationError({"bureau": _("请选择受理机构。")})
    actor = portal_actor_for(bureau)
    return register_case(
        actor=actor, channel=Channel.ONLINE, submit_token=submit_token, request=request,
        data={"purpose": purpose, "problem": problem, "problem_region": bureau.government, "content": content},
        petitioners=[{"name": name, "id_type": IdType.RESIDENT_ID, "id_number": id_number, "phone": phone,
                      "address": address}],
    )


# --- 满意度评价 -------------------------------------------------------------------------------------

def evaluation_targets(case):
    """What the petitioner may evaluate on ``case``: the petition bureau always, the handling
    unit (责任单位) when an organization handled the matter (an approved assignment)."""
    targets = [EvaluationTarget.BUREAU]
    if tree.handling_leaf(list(case.assignments.all())) is not None:
        targets.append(EvaluationTarget.UNIT)
    return targets


def open_evaluation_targets_of(case, done):
    """The targets still open for evaluation on ``case`` (answered or closed), given the
    targets already evaluated (``done``)."""
    if case.status not in EVALUABLE_STATUSES:
        return []
    return [t for t in evaluation_targets(case) if t not in done]


def case_evaluate(*, case, ratings, comment="", request=None):
    """Record the petitioner's evaluation (满意/基本满意/不满意) of an answered case.

    ``ratings`` maps an ``EvaluationTarget`` to a ``Satisfaction``; at least one. Allowed while
    the case is 已答复 or 已办结 (neither the 条例 nor DOMAIN.md sets an evaluation deadline:
    DOMAIN.md §11 open question 1), once per target (UNIQUE(case, target) is the backstop).

    Writes, in one transaction with the case row locked: one ``Evaluation`` per target
    (evaluated now), one ``evaluate`` CaseEvent (state unchanged, data: the ratings) and its
    audit row, actor = the portal account of the registering organization. The case row
    itself is not changed (a staff form open on it stays valid).

    Raises ``TransitionNotAllowed`` (not answered, already evaluated) or ``ServiceError``
    (nothing chosen, unknown target or value); nothing is written.
    """
    ratings = {t: v for t, v in (ratings or {}).items() if v}
    if not ratings:
        raise ServiceError(_("请至少选择一项评价。"), code="evaluation_empty")
    for target, value in ratings.items():
        if target not in EvaluationTarget.values or value not in Satisfaction.values:
            raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
    comment = (comment or "").strip()[:MAX_COMMENT]
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).select_related("registered_org").get(pk=case.pk)
            if locked.status not in EVALUABLE_STATUSES:
                raise TransitionNotAllowed(_("该信访件尚未答复，暂不能评价。"), code="evaluation_not_answered")
            allowed = evaluation_targets(locked)
            done = set(Evaluation.objects.filter(case=locked).values_list("target", flat=True))
            for target in ratings:
                if target not in allowed:
                    raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
                if target in done:
                    raise TransitionNotAllowed(_("已对%(target)s作出评价，每项只能评价一次。") % {
                        "target": EvaluationTarget(target).label}, code="evaluation_repeated")
            now = clock.now()
            rows = [Evaluation.objects.create(case=locked, target=target, value=value, comment=comment,
                                              evaluated_at=now)
                    for target, value in sorted(ratings.items())]
            case_event_record(
                case=locked, action="evaluate", actor=portal_actor_for(locked.registered_org),
                from_status=locked.status, to_status=locked.status, note=comment, request=request,
                data={"ratings": {row.target: row.value for row in rows}},
            )
    except IntegrityError:
        # Two posts at once: the row lock makes this unreachable, the unique index backs it up.
        raise TransitionNotAllowed(_("该信访件已评价，每项只能评价一次。"), code="evaluation_repeated")
    return rows


# --- 复查 / 复核 -----------------------------------------------------------------------------------

def review_action(window):
    """The transition that asks for the review ``window`` (a ``review_window``) offers."""
    return "request_recheck" if window is not None and window.level == ReviewLevel.RECHECK else "request_review"


def online_review_window(case, reviews, today):
    """The 复查/复核 window the petitioner may use online ``today``, or None: open, in a state
    the request transition accepts, and not a confidential case (written channel only)."""
    window = review_window(case, reviews)
    if window is None or case.is_confidential or not window.is_open(today):
        return None
    return window if case.status in TRANSITIONS[review_action(window)].sources else None


def portal_review_request(*, case, reason, request=None):
    """Ask for 复查 (or, after a 复查 decision, 复核) on the petitioner's behalf.

    Performs ``request_review`` / ``request_recheck`` through ``case_transition`` with the
    portal account of the case's registering organization, so every rule of the staff path
    applies unchanged: state 已答复/已办结, within 30 days of the answer (of the 复查 decision
    for 复核, 条例第三十五、三十六条), a reason. It writes what a clerk's recording writes: the
    ``ReviewRequest`` for the next level up with its 30-day deadline, the state 复查中/复核中, the
    event and audit row, and reminders to that level's triage officers after commit.

    Raises ``TransitionNotAllowed`` (state or window; also for a case the portal may not act on,
    such as a confidential one, with a message pointing to the written channel) or
    ``ServiceError`` (no reason, no upper level).
    """
    action = review_action(review_window(case, list(case.reviews.all())))
    actor = portal_actor_for(case.registered_org)
    try:
        return case_transition(case=case, action=action, actor=actor, note=(reason or "").strip(), request=request)
    except NotAllowed:
        raise TransitionNotAllowed(_("该信访件不能在网上提出复查（复核）申请，请向原办理机关书面提出。"),
                                   code="review_not_online")
