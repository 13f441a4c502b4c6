"""越级 is proposed from the visit level and the matter's territory (逐级走访, 条例第十九条)."""
import pytest

from accounts.models import OrgKind
from petitions.domain.levels import proposes_skip_level


@pytest.mark.parametrize("level, region, handled_below, expected", [
    ("1", OrgKind.TOWNSHIP, False, False),   # 到乡 with a township matter: the proper level
    ("2", OrgKind.TOWNSHIP, False, True),    # 到县 with a township matter never taken to the township
    ("2", OrgKind.TOWNSHIP, True, False),    # ... but handled there before: not 越级
    ("3", OrgKind.COUNTY, False, True),      # 到州 with a county matter
    ("3", OrgKind.PREFECTURE, False, False),  # 到州 with a prefecture matter
    ("5", OrgKind.TOWNSHIP, False, True),    # 进京
    ("", OrgKind.TOWNSHIP, False, False),    # no level given: nothing proposed
])
def test_skip_level_is_proposed_above_the_proper_level_unless_handled_below(level, region, handled_below, expected):
    assert proposes_skip_level(visit_level_code=level, region_kind=region, handled_below=handled_below) is expected
