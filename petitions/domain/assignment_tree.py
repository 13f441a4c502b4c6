"""Pure rules over a case's assignment tree (no database access).

A case is assigned by a bureau to one or more organizations (a *group*: the assignments
sharing a parent). An organization that is itself a petition bureau may pass its share on
(county 转办 to a township): its assignment becomes 已转交下级 and gets a child group.

- The *required* members of a group are those marked 主办 (``is_lead``); when none is
  marked (or the lead returned the case) every active member is required.
- A group is *complete* when every required member is approved; it is *ready for review*
  when every required member has reported or been approved and at least one waits for review.
- A result needs review by the assigning bureau when the link is 交办, or when any link
  above it is 交办 (the bureau that received a 交办 owes its assigner a result even if it
  handed the matter over with 转办). A chain of 转办 only is answered by the handler.

``petitions.services.transitions`` applies these rules; ``petitions.permissions`` and the
selectors read them, so the buttons and the queues agree with what the service will accept.
"""
from petitions.models import AssignmentKind, AssignmentStatus as A
from petitions.workflow import Status

INACTIVE = frozenset({A.RETURNED, A.CANCELLED})
OPEN_LEAF = frozenset({A.PENDING, A.ACCEPTED})


def active(assignments):
    return [a for a in assignments if a.status not in INACTIVE]


def by_id(assignments):
    return {a.pk: a for a in assignments}


def group_of(node, assignments):
    """Active members of the group ``node`` belongs to (same parent), ``node`` included."""
    return [a for a in active(assignments) if a.parent_id == node.parent_id]


def children_of(node, assignments):
    return [a for a in active(assignments) if a.parent_id == node.pk]


def top_group(assignments):
    return [a for a in active(assignments) if a.parent_id is None]


def required(group):
    leads = [a for a in group if a.is_lead]
    return leads or list(group)


def group_complete(group):
    return bool(group) and all(a.status == A.APPROVED for a in required(group))


def group_ready_for_review(group):
    return (bool(group) and all(a.status in (A.REPORTED, A.APPROVED) for a in required(group))
            and any(a.status == A.REPORTED for a in group))


def needs_review(node, index):
    """True if ``node``'s result must be approved by the bureau that assigned it."""
    while node is not None:
        if node.kind == AssignmentKind.ASSIGN:
            return True
        node = index.get(node.parent_id) if node.parent_id else None
    return False


def groups(assignments):
    """Active groups keyed by parent id (None for the top level)."""
    result = {}
    for a in active(assignments):
        result.setdefault(a.parent_id, []).append(a)
    return result


def reviewable_groups(assignments, org_ids):
    """Groups ready for review whose assigning organization is one of ``org_ids``.

    Returns a list of (parent_id, members) in parent order (top level first).
    """
    found = []
    for parent_id, members in groups(assignments).items():
        if not group_ready_for_review(members):
            continue
        if any(m.status == A.REPORTED and m.assigned_by_org_id in org_ids for m in members):
            found.append((parent_id, members))
    found.sort(key=lambda item: (item[0] is not None, item[0] or 0))
    return found


def derive_status(assignments):
    """The case state the assignment tree stands for (during handling)."""
    top = top_group(assignments)
    if not top:
        return Status.PENDING
    if group_complete(top):
        return Status.ANSWERED
    if any(group_ready_for_review(members) for members in groups(assignments).values()):
        return Status.RESULT_REPORTED
    live = active(assignments)
    if any(a.status in (A.ACCEPTED, A.REPORTED, A.APPROVED) for a in live):
        return Status.IN_PROGRESS
    return Status.AWAITING_ACCEPTANCE


def handling_leaf(assignments):
    """The organization that handled the matter (原办理机关): follow the required, approved
    members down from the top to the deepest one. None if nothing was approved."""
    group = [a for a in required(top_group(assignments)) if a.status == A.APPROVED]
    node = group[0] if group else None
    while node is not None:
        below = [a for a in required(children_of(node, assignments)) if a.status == A.APPROVED]
        if not below:
            return node
        node = below[0]
    return None
