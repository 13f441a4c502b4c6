"""Writes of the cockpit: 领导包案 (``charges``), warning thresholds, warnings and their
acknowledgement, and the periodic scan that fills the KPI and cluster tables (``warnings``)."""
