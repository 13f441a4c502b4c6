"""Internet side of the network gap (README, "群众端单独部署"): import the intranet's packages into the
mirror, then write the outbox's package. Run on a timer (cron or a systemd timer) on the portal."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import gap, transfer_cli

MIRROR_BACKEND = "portal.backends.mirror.MirrorBackend"


class Command(BaseCommand):
    help = "Internet-side portal: import the intranet's packages, then write the package of new requests."

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
        refused = transfer_cli.report(self, gap.inbox_receive()) if receiving else False
        if sending:
            package = gap.outbox_send()
            if package is not None:
                self.stdout.write(f"{package.name}: written ({package.counts['items']} requests)")
        status = gap.link_status()
        self.stdout.write(f"requests waiting for the intranet's answer: {status['waiting']}")
        if refused:
            raise CommandError("a package was refused (see above; it is kept under refused/)")
