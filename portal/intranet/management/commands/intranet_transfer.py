"""Intranet side of the network gap (README, "群众端单独部署"): import the portal's packages (new online
petitions into the pools, evaluations, 复查/复核 requests, downloads), then write what the public may see
back for the portal. Run on a timer (cron or a systemd timer) on the intranet; one run at a time
(``transfer_cli.one_run``: a second one exits with code 75 and does nothing)."""
from django.core.management.base import BaseCommand, CommandError
from django.db import router

from portal import transfer_cli
from portal.intranet import inbound, outbound
from portal.intranet.models import PortalPackage


class Command(BaseCommand):
    help = ("Intranet: import the portal's packages, then write the public-status package(s) for the portal. "
            "Exit 0 done, 1 a package refused (here or by the portal), an item withheld or a configuration "
            "error, 75 another run in progress (nothing done).")

    def add_arguments(self, parser):
        transfer_cli.add_arguments(parser)
        parser.add_argument("--max-packages", type=int, default=None,
                            help="write at most this many packages in this run (the first run sends every case)")
        parser.add_argument("--requeue-refused", action="store_true",
                            help="send again what the packages the portal refused for their content carried "
                                 "(once the cause is fixed), then run as usual")

    def handle(self, *args, **options):
        if transfer_cli.keys(self, options):
            return
        receiving = options["receive"] or not options["send"]
        sending = options["send"] or not options["receive"]
        transfer_cli.check_configuration(sending=sending, receiving=receiving)
        with transfer_cli.one_run("intranet", using=router.db_for_write(PortalPackage) or "default"):
            known = outbound.refused_by_peer()
            if options["requeue_refused"]:
                seqs = outbound.requeue_refused()
                self.stdout.write(f"re-queued what {len(seqs)} refused package(s) carried: {seqs}")
            failed = transfer_cli.report(self, inbound.import_inbox()) if receiving else False
            failed |= transfer_cli.report_peer_refusals(
                self, outbound.packages_by_id(outbound.refused_by_peer() - known), peer="portal",
                otherwise="not sent again by itself: fix the cause, then run intranet_transfer --requeue-refused")
            if sending:
                withheld = []
                for package in outbound.export(max_packages=options["max_packages"], withheld=withheld):
                    counts = ", ".join(f"{k} {v}" for k, v in package.counts.items())
                    self.stdout.write(f"{package.name}: written ({counts})")
                for line in withheld:
                    self.stderr.write(f"withheld: {line}")
                failed |= bool(withheld)
        if failed:
            raise CommandError("a package was refused or an item withheld (see above; a package refused here "
                               "is kept under refused/)")
