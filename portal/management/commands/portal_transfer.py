"""Internet side of the network gap (README, "群众端单独部署"): import the intranet's packages into the
mirror, then write the outbox's package. Run on a timer (cron or a systemd timer) on the portal; one
run at a time (``transfer_cli.one_run``: a second one exits with code 75 and does nothing)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import router

from portal import gap, transfer_cli
from portal.models import TransferPackage

MIRROR_BACKEND = "portal.backends.mirror.MirrorBackend"


class Command(BaseCommand):
    help = ("Internet-side portal: import the intranet's packages, then write the package of new requests. "
            "Exit 0 done, 1 a package refused (here or by the intranet) or a configuration error, "
            "75 another run in progress (nothing done).")

    def add_arguments(self, parser):
        transfer_cli.add_arguments(parser)

    def handle(self, *args, **options):
        if transfer_cli.keys(self, options):
            return
        if settings.PORTAL_BACKEND != MIRROR_BACKEND:
            raise CommandError("portal_transfer runs on the internet-side portal (config.settings.portal); "
                               "on the intranet run intranet_transfer")
        receiving = options["receive"] or not options["send"]
        sending = options["send"] or not options["receive"]
        transfer_cli.check_configuration(sending=sending, receiving=receiving)
        with transfer_cli.one_run("portal", using=router.db_for_write(TransferPackage) or "default"):
            known = gap.refused_by_peer()
            refused = transfer_cli.report(self, gap.inbox_receive()) if receiving else False
            refused |= transfer_cli.report_peer_refusals(
                self, gap.packages_by_id(gap.refused_by_peer() - known), peer="intranet",
                otherwise="its requests go again after PORTAL_TRANSFER_RESEND_MINUTES")
            if sending:
                package = gap.outbox_send()
                if package is not None:
                    self.stdout.write(f"{package.name}: written ({package.counts['items']} requests)")
            status = gap.link_status()
            self.stdout.write(f"requests waiting for the intranet's answer: {status['waiting']}")
        if refused:
            raise CommandError("a package was refused (see above; one refused here is kept under refused/)")
