"""Pure rules of the cockpit, without database or clock: the hot-spot test (``hotspots``), the
phrase clusters of case texts (``clusters``) and the default warning thresholds (``rules``)."""
