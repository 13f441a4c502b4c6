"""Pure rules of the procedures that decide a matter's path (docs/domain.md §3.5): the proposed
class, 简易办理's eligibility, the hearing pause and the urgent-matter proposal.

No database, no clock: callers pass codes, dates and settings.
"""
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from petitions.models import MatterClass

# 信访目的 codes (docs/domain.md §8.1) → the class of 条例第二十九至三十一条.
PURPOSE_CLASS = {
    "01": MatterClass.SUGGESTION,  # 建议意见
    "02": MatterClass.ACCUSATION,  # 检举控告
    "03": MatterClass.APPEAL,  # 申诉
    "04": MatterClass.APPEAL,  # 求决
}
# 所属问题 first level 纪检监察 (docs/domain.md §8.2): reports about officials' conduct.
PROBLEM_DISCIPLINE = "602004"


def propose_matter_class(*, purpose_code=None, problem_top_code=None, is_confidential=False):
    """The class proposed at registration.

    信访目的 decides where it names a class (建议意见, 检举控告, 申诉, 求决). 咨询, 其他 or none
    (*assumed*, docs/domain.md §11): a confidential 检举揭发 or a matter filed under 纪检监察 is
    检举控告类, anything else 申诉求决类, the residual class of 第三十一条 (its sixth item covers
    every request not given to another procedure)."""
    if purpose_code in PURPOSE_CLASS:
        return PURPOSE_CLASS[purpose_code]
    if is_confidential or problem_top_code == PROBLEM_DISCIPLINE:
        return MatterClass.ACCUSATION
    return MatterClass.APPEAL


# --- routing out: the statutory procedures a petitioner is guided to (条例第三十一条第一至四项) ---------

GUIDE_PROCEDURES = {
    "litigation": _("诉讼"),
    "arbitration": _("仲裁"),
    "reconsideration": _("行政复议"),
    "other": _("其他法定程序"),
}


# --- 简易办理 -------------------------------------------------------------------------------------

SIMPLE_WORKDAYS = 10  # 简易办理: an answer within 10 working days of acceptance

# The situations of the 简易办理 measures (docs/domain.md §3.2 K), as the form offers them.
SIMPLE_BASES = (
    ("first_clear", _("初次信访，事实清楚、责任明确、争议不大")),
    ("consultation", _("咨询类事项")),
    ("suggestion", _("建议、意见、感谢类事项")),
    ("daily_urgent", _("需及时答复的日常生产生活事项")),
    ("committed", _("已有明确承诺或结论的事项")),
)
SIMPLE_BASIS_LABELS = dict(SIMPLE_BASES)


# --- 听证: the pause of the clock -------------------------------------------------------------------

def hearing_days(paused_on, resumed_on):
    """Calendar days not counted towards the deadline: from the day the hearing is decided to the
    day its conclusion is recorded, both included (条例第三十六条第二款: 听证所需时间不计算在内)."""
    if resumed_on < paused_on:
        raise ValueError("a hearing ends after it starts")
    return (resumed_on - paused_on).days + 1


def resumed_due(due, days):
    """A deadline moved by the hearing's ``days`` (None stays None)."""
    return None if due is None else due + timedelta(days=days)


# --- 重大、紧急 -------------------------------------------------------------------------------------

def urgent_reasons(*, collective, visitor_count, abnormal_codes, collective_size, danger_codes):
    """Why a visit is proposed as 重大、紧急 (条例第二十五条), as a list of Chinese phrases (empty:
    no proposal): a collective visit of at least ``collective_size`` people, or any of the
    ``danger_codes`` among its 异常行为 (the Art.26 items that endanger safety)."""
    reasons = []
    if collective and (visitor_count or 0) >= collective_size:
        reasons.append(str(_("集体访%(n)d人（达到%(size)d人）")) % {"n": visitor_count, "size": collective_size})
    danger = sorted(set(abnormal_codes) & set(danger_codes))
    if danger:
        reasons.append(str(_("有危及安全的异常行为（第二十六条第%(items)s项）")) % {
            "items": "、".join(str(int(code)) for code in danger)})
    return reasons
