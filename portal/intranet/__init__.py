"""The intranet's end of the crossing to the internet-side portal (docs/architecture.md §7.2).

A Django app of its own (``portal_intranet``) inside ``portal/`` because its records refer to cases
and documents, while the portal app must install alone on the internet side, where no staff app
exists (README, architecture). It imports the portal's packages (``manage.py intranet_transfer``):
new online petitions through ``portal.services`` into the bureaus' pools, evaluations and 复查/复核
requests through the same services, downloads as online deliveries; and it writes back what the
public may see of every case, sealed under its query code.
"""
