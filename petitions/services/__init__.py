"""Every write to a case goes through a function in this package (see README, architecture)."""
