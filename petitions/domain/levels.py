"""上访层次 and 越级 (docs/domain.md §5, §8.3).

逐级走访 (《信访工作条例》第十九条第三款 and 第二十条): a matter is taken to the body that has the
power to handle it, at its own level or the one above; a matter already accepted or in handling
below, taken again to a higher level within the time limits, is not accepted there. A visit is
therefore 越级 (skipping a level) when it went higher than the level that should handle the
matter — the level of the matter's territory (问题属地: a township's matter to the township, a
county's to the county) — and the matter had not been handled below.

The system proposes the flag from these facts; the clerk who saw the visitor confirms it.
"""
from accounts.models import OrgKind

# 上访层次 codes of the dictionary (petitions/seed.py VISIT_LEVEL): 1 到乡, 2 到县, 3 到州, 4 到省, 5 进京.
LEVEL_OF_KIND = {OrgKind.TOWNSHIP: 1, OrgKind.COUNTY: 2, OrgKind.PREFECTURE: 3}


def visit_level_rank(code):
    """The numeric rank of a 上访层次 code ("1".."5"), or None."""
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def proper_level(region_kind):
    """The level that should handle a matter of a territory of this kind (None if unknown)."""
    return LEVEL_OF_KIND.get(region_kind)


def proposes_skip_level(*, visit_level_code, region_kind, handled_below=False):
    """True when a visit at ``visit_level_code`` skips the level of the matter's territory and the
    matter was not handled below (a repeat whose first case was registered at a lower level)."""
    rank, proper = visit_level_rank(visit_level_code), proper_level(region_kind)
    if rank is None or proper is None:
        return False
    return rank > proper and not handled_below
