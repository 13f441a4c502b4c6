"""Intranet side of the network gap (README, "群众端单独部署"): import the portal's packages (new online
petitions into the pools, evaluations, 复查/复核 requests, downloads), then write what the public may see
back for the portal. Run on a timer (cron or a systemd timer) on the intranet."""
from django.core.management.base import BaseCommand, CommandError

from portal import transfer_cli
from portal.intranet import inbound, outbound


class Command(BaseCommand):
    help = "Intranet: import the portal's packages, then write the public-status package(s) for the portal."

    def add_arguments(self, parser):
        transfer_cli.add_arguments(parser)
        parser.add_argument("--max-packages", type=int, default=None,
                            help="write at most this many packages in this run (the first run sends every case)")

    def handle(self, *args, **options):
        if transfer_cli.keys(self, options):
            return
        receiving = options["receive"] or not options["send"]
        sending = options["send"] or not options["receive"]
        transfer_cli.check_configuration(sending=sending, receiving=receiving)
        refused = transfer_cli.report(self, inbound.import_inbox()) if receiving else False
        if sending:
            for package in outbound.export(max_packages=options["max_packages"]):
                counts = ", ".join(f"{k} {v}" for k, v in package.counts.items())
                self.stdout.write(f"{package.name}: written ({counts})")
        if refused:
            raise CommandError("a package was refused (see above; it is kept under refused/)")
