"""The related rows of one case that several readers of a page need, each read once.

The case page used to read the same rows up to five times: the permission rules behind its
action buttons (``permissions.Facts``), the workflow and procedure panels, and the panels of the
apps above (文书, 领导包案) each asked for the assignments, 督办 orders, extension requests,
reviews, hearings, recusals, alerts and events on their own (46 queries at 300,000 cases,
docs/performance.md §14). A ``CaseRecords`` loads each list on first use, with the joins every
reader needs and in the order the page shows; the readers filter it in Python (a case has a
handful of each). ``permissions.Facts`` holds one; ``permissions.page_facts`` shares one Facts —
and so one ``CaseRecords`` — across everything a request renders about the case.

The lists are the rows as they were when first read: a service that changes them works on its
own ``Facts`` (``permissions.require``), never on a page's.
"""
from functools import cached_property

from petitions.models import ExtensionRequest, Hearing, Recusal, ReviewRequest, Supervision, UrgentAlert


class CaseRecords:
    def __init__(self, case):
        self.case = case

    @cached_property
    def assignments(self):
        """The assignment tree, in creation order, with both organizations and the assigning user."""
        return list(self.case.assignments.select_related("org", "assigned_by_org", "assigned_by").order_by("id"))

    @cached_property
    def reviews(self):
        """复查/复核 requests, oldest first."""
        return list(ReviewRequest.objects.filter(case=self.case).select_related("org").order_by("requested_at", "id"))

    @cached_property
    def supervisions(self):
        """督办 orders, oldest first, with everyone the page names on them."""
        return list(Supervision.objects.filter(case=self.case).select_related(
            "ordered_by", "ordered_by_org", "feedback_by", "feedback_org", "escalated_to").order_by("created_at", "id"))

    def supervisions_newest_first(self):
        """``supervisions`` in ``Supervision.Meta.ordering`` (newest first); orders of the same
        instant keep their creation order, as the table returns them."""
        return sorted(self.supervisions, key=lambda s: s.created_at, reverse=True)

    def open_supervision_dues(self):
        """{case id: [due of each open 督办 order]}, the shape of ``queues.open_supervision_dues``."""
        dues = [s.due for s in self.supervisions if s.resolved_at is None]
        return {self.case.pk: dues} if dues else {}

    @cached_property
    def extensions(self):
        """Extension requests of every assignment of the case, oldest first."""
        return list(ExtensionRequest.objects.filter(assignment__case=self.case)
                    .select_related("assignment__org", "requested_by", "decided_by").order_by("created_at", "id"))

    @cached_property
    def hearings(self):
        return list(Hearing.objects.filter(case=self.case).select_related("org", "created_by", "concluded_by"))

    @cached_property
    def recusals(self):
        return list(Recusal.objects.filter(case=self.case).select_related("user__organization", "recorded_by"))

    @cached_property
    def alerts(self):
        """Urgent alerts (重大紧急) with their recipients (a second query only when there are alerts)."""
        return list(UrgentAlert.objects.filter(case=self.case).select_related("org", "acknowledged_by")
                    .prefetch_related("recipients"))

    @cached_property
    def events(self):
        """The trail, in order, with the people and organizations it names."""
        return list(self.case.events.select_related("actor", "actor_org", "target_org", "target_user"))

    def latest_event(self, action):
        """The newest event of ``action`` (by time, then id), or None."""
        matching = [e for e in self.events if e.action == action]
        return max(matching, key=lambda e: (e.created_at, e.pk)) if matching else None
