"""Case facts the cockpit reads that the petitions app is still adding: the voided state (已作废,
counted nowhere) and the 责任单位 chosen from the organization tree or the list of outside units.
Written so that the cockpit runs before and after they land."""
from petitions.models import Case
from petitions.workflow import Status

VOIDED = getattr(Status, "VOIDED", "voided")
_FIELDS = {f.name for f in Case._meta.get_fields()}
RESPONSIBLE_RELATED = tuple(name for name in ("responsible_org", "responsible_outside") if name in _FIELDS)


def responsible_name(case):
    """The case's 责任单位 as shown: the organization, the outside unit, or the name as typed."""
    for name in RESPONSIBLE_RELATED:
        related = getattr(case, name, None)
        if related is not None:
            return related.name
    return case.responsible_unit
