"""Markdown table of the workflow, generated from ``TRANSITIONS`` (docs/workflow.md)."""
from django.utils import translation

from petitions.workflow import TRANSITIONS, Status

HEADER = """# 信访件办理流程（工作流）

本文件由 `python manage.py workflow_table` 根据 `petitions/workflow.py` 中的 `TRANSITIONS` 生成，请勿手工修改。
服务函数 `petitions/services/transitions.py::case_transition` 按此表检查状态，`petitions/permissions.py` 按表中的权限和机构规则判断谁可以操作。

状态：{states}。

“目标状态”一栏中“保持原状态”表示该操作不改变状态；括号内为多单位办理、逐级审核等情况下可能到达的其他状态。

| 操作 | 名称 | 起始状态 | 目标状态 | 所需权限 | 谁可以操作（机构规则） | 须填写 |
|---|---|---|---|---|---|---|
"""

ORDER = list(Status)


def _states(values):
    return "、".join(str(Status(v).label) for v in sorted(values, key=ORDER.index))


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def workflow_markdown():
    """The whole document as a string (always in Chinese, whatever the active language)."""
    with translation.override("zh-hans"):
        states = "、".join(f"{s.label}（`{s.value}`）" for s in Status)
        lines = [HEADER.format(states=states)]
        for t in TRANSITIONS.values():
            if t.target is None:
                target = "保持原状态"
            else:
                target = str(Status(t.target).label)
                if t.alt_targets:
                    target += f"（{_states(t.alt_targets)}）"
            perms = " 或 ".join(f"`{p}`" for p in t.permissions)
            note = str(t.inputs) if t.inputs else str(t.note_label) if t.requires_note else ""
            lines.append(f"| `{t.name}` | {t.label} | {_states(t.sources)} | {target} | {perms} | {_cell(t.rule)} | "
                         f"{_cell(note)} |\n")
        return "".join(lines)
