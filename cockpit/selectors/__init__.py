"""Reads of the cockpit, each scoped to the user: his jurisdiction (``scope``), the registration
series (``series``), hot spots (``hotspots``), deadlines and late units (``deadlines``), 积案 and
repeat matters (``backlog``), 领导包案 (``charges``), warnings (``warnings``), the KPI trend (``kpi``),
the list behind a figure (``drill``), and each role's cockpit assembled from them (``overview``)."""
