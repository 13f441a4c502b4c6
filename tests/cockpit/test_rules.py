"""The statistics of the cockpit's rules, without a database (docs/cockpit.md §2–3)."""
import math
from datetime import date

import pytest

from cockpit.domain import clusters, hotspots


def _sf(x, lam):  # the tail summed directly, for comparison
    return 1 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(x))


@pytest.mark.parametrize("x,lam", [(0, 2.0), (1, 0.5), (3, 0.5), (4, 0.5), (10, 6.375), (17, 6.375), (5, 20.0),
                                   (40, 20.0)])
def test_poisson_tail_matches_the_direct_sum(x, lam):
    assert hotspots.poisson_sf(x, lam) == pytest.approx(_sf(x, lam), rel=1e-9, abs=1e-15)


def test_poisson_tail_for_large_means_does_not_underflow():
    # λ = 900: e^-λ underflows a double; the log-space sum still gives P(X ≥ λ) ≈ 0.5.
    assert hotspots.poisson_sf(900, 900.0) == pytest.approx(0.5, abs=0.02)
    assert hotspots.poisson_sf(1100, 900.0) < 1e-9


def test_rule_flags_a_spike_over_its_own_baseline_only():
    quiet = [2, 3, 1, 2, 2, 3, 2, 1]
    assert hotspots.judge(9, quiet).flagged
    assert not hotspots.judge(4, quiet).flagged  # within what the weeks before make likely
    busy = [40, 38, 45, 41, 39, 44, 37, 42]
    assert not hotspots.judge(48, busy).flagged  # 48 is more than 9, but not for this cell
    assert hotspots.judge(70, busy).flagged


def test_rule_floor_and_minimum_count():
    never = [0] * 8
    # λ is floored at 0.5: two cases in a category never seen are not yet a hot spot (minimum 3),
    # three are (P(X ≥ 3 | 0.5) = 0.0144 … not below 0.01), four are.
    assert hotspots.judge(2, never).expected == hotspots.LAMBDA_FLOOR
    assert not hotspots.judge(3, never).flagged
    assert hotspots.judge(4, never).flagged


def test_windows_are_seven_days_ending_today_newest_first():
    wins = hotspots.windows(date(2026, 12, 7))
    assert len(wins) == 9
    assert wins[0] == (date(2026, 12, 1), date(2026, 12, 7))
    assert wins[1] == (date(2026, 11, 24), date(2026, 11, 30))
    assert wins[-1][0] == date(2026, 10, 6)


BACKGROUND_TEXTS = [
    "反映{c}拖欠农民工工资，多次讨要无果", "反映{c}以经营困难为由拖欠工资三个月", "对{c}的医疗事故鉴定结论不服",
    "反映{c}未为职工缴纳养老保险", "反映小区物业服务质量差、收费不透明", "反映宅基地被他人侵占建房",
]
COMPANIES = ["青峰建筑工程有限公司", "石门矿业有限公司", "云溪茶业有限公司", "恒达劳务有限公司"]


def _docs(n, start_key, *, planted=()):
    docs = []
    for i in range(n):
        text = BACKGROUND_TEXTS[i % len(BACKGROUND_TEXTS)].format(c=COMPANIES[(i // 6) % len(COMPANIES)])
        docs.append((start_key + i, start_key + i, f"area{i % 3}", text))
    for j, text in enumerate(planted):
        docs.append((90000 + j, 90000 + j, f"area{j % 3}", text))
    return docs


PLANTED = [
    "反映青山湖二期安置房墙体开裂，要求开发商维修",
    "青山湖二期安置房至今未办理房产证，请求协调",
    "本人购买的青山湖二期安置房漏水严重",
    "对青山湖二期安置房分配结果有异议",
    "反映青山湖二期安置房配套学校迟迟未建",
    "青山湖二期安置房物业收费过高",
]


def test_planted_cluster_is_found_with_its_cases_and_nothing_else():
    window = _docs(120, 1000, planted=PLANTED)
    background = _docs(960, 5000)
    found = clusters.find_clusters(window, background, window_days=7, background_days=56)
    assert len(found) == 1
    cluster = found[0]
    assert "青山湖二期安置房" in cluster.phrase or cluster.phrase in "青山湖二期安置房"
    assert cluster.cases == {90000 + j for j in range(len(PLANTED))}
    assert cluster.count == 6 and len(cluster.areas) == 3


def test_no_cluster_without_a_plant_and_none_from_one_matters_repeats():
    assert clusters.find_clusters(_docs(120, 1000), _docs(960, 5000), window_days=7, background_days=56) == []
    # The same matter petitioned six times (a repeat keeps its first case as matter key) is one matter.
    repeats = [(77, 100 + i, "area0", text) for i, text in enumerate(PLANTED)]
    assert clusters.find_clusters(_docs(120, 1000) + repeats, _docs(960, 5000), window_days=7,
                                  background_days=56) == []


def test_a_name_the_background_knows_is_not_a_new_cluster():
    background = _docs(960, 5000, planted=PLANTED * 8)  # named every week before
    assert clusters.find_clusters(_docs(120, 1000, planted=PLANTED), background, window_days=7,
                                  background_days=56) == []


def test_mask_blanks_the_petitioners_names():
    assert clusters.mask("张永再次反映青山湖二期安置房问题", ["张永"]) == "\n再次反映青山湖二期安置房问题"
    assert clusters.mask("王某反映", ["王"]) == "王某反映"  # single characters are left alone
