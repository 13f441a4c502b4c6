"""Reads of the 短信信访 list: the messages received for the bureaus of the user's jurisdiction."""
from accounts.selectors import jurisdiction_path
from petitions.models import SmsInbound


def sms_inbound_visible(user):
    """Messages routed to an organization of ``user``'s jurisdiction, newest first (the sender's
    number is shown masked by the view, whatever the user's rights)."""
    prefix = jurisdiction_path(user)
    if prefix is None:
        return SmsInbound.objects.none()
    return (SmsInbound.objects.filter(bureau__path__startswith=prefix)
            .select_related("bureau", "case").order_by("-created_at", "-id"))
