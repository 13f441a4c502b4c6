"""Default warning thresholds (docs/cockpit.md §4), used where a jurisdiction has set none."""
HOTSPOT_MIN = 5  # cases in the week of a flagged hot spot before its leaders are warned
CLUSTER_MIN = 5  # distinct matters naming the same thing in the week (the rule's own minimum)
COLLECTIVE_MIN = 30  # visitors of one collective visit
UNIT_OVERDUE_MIN = 10  # a unit's overdue open cases

DEFAULTS = {
    "hotspot": HOTSPOT_MIN,
    "cluster": CLUSTER_MIN,
    "collective": COLLECTIVE_MIN,
    "unit_overdue": UNIT_OVERDUE_MIN,
}
