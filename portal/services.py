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
from django.utils.translation import gettext as _

from accounts.services import system_account_ensure
from petitions.domain.deadlines import review_action, review_window
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import Channel, IdType
from petitions.services import evaluations
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from portal.selectors import portal_bureaus

PORTAL_USERNAME_PREFIX = "portal:"
PORTAL_ACTOR_NAME = "网上信访"  # stored as the account's name, shown in the staff trail
PORTAL_PERMISSION = "petitions.register_case"


def portal_username(org):
    return f"{PORTAL_USERNAME_PREFIX}{org.code}"


def is_portal_actor(user):
    return bool(getattr(user, "username", "").startswith(PORTAL_USERNAME_PREFIX))


def portal_actor_for(org):
    """The "网上信访" system account of ``org`` (see the module docstring), created on first use
    and re-locked on every use (``accounts.services.system_account_ensure``)."""
    return system_account_ensure(username=portal_username(org), organization=org, real_name=PORTAL_ACTOR_NAME,
                                 permissions=(PORTAL_PERMISSION,))


# --- 网上信访 ----------------------------------------------------------------------------------------

def portal_petition_submit(*, bureau, name, id_number, phone, content, submit_token, address="", purpose=None,
                           problem=None, request=None, petition_date=None):
    """Register an online petition (网上信访) addressed to ``bureau``; return the ``Case``.

    Preconditions: ``bureau`` is one of ``portal.selectors.portal_bureaus()``
    (``ServiceError`` on ``bureau`` otherwise); the other inputs are the form's cleaned
    values (the service checks them again through ``register_case``: name, GB 11643 ID number,
    content).

    Writes, through ``register_case`` in one transaction: the case (channel 网上信访, status
    待分流, registered and held by ``bureau``, so it is in that bureau's 分流池 with the 15-day
    routing deadline), its petitioner, the ``register`` event and its audit row, actor = the
    bureau's portal account (``portal_actor_for``; created beforehand if needed).

    ``petition_date`` (信访日期) is the day the petitioner wrote: today on the portal of the
    single-database setup, the day of the post on the internet-side portal, whose petitions are
    registered here when they arrive across the network gap (portal/intranet/inbound.py).

    Idempotent per ``submit_token``: a second post of the same form returns the first case with
    ``case.replayed = True``. Raises ``ServiceError`` (dict keyed by case field or
    ``petitioners.0.<field>``); nothing is written.
    """
    if bureau is None or not portal_bureaus().filter(pk=bureau.pk).exists():
        raise ServiceError(_("请选择受理机构。"), field="bureau", code="bureau_required")
    actor = portal_actor_for(bureau)
    return register_case(
        actor=actor, channel=Channel.ONLINE, submit_token=submit_token, request=request,
        data={"purpose": purpose, "problem": problem, "problem_region": bureau.government, "content": content,
              "petition_date": petition_date},
        petitioners=[{"name": name, "id_type": IdType.RESIDENT_ID, "id_number": id_number, "phone": phone,
                      "address": address}],
    )


# --- 复查 / 复核 -----------------------------------------------------------------------------------

def case_evaluate(*, case, ratings, comment="", request=None):
    """The petitioner's evaluation from the portal: ``petitions.services.evaluations.case_evaluate``
    recorded by the portal account of the case's registering organization."""
    return evaluations.case_evaluate(case=case, ratings=ratings, comment=comment, request=request,
                                     actor=portal_actor_for(case.registered_org))


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
