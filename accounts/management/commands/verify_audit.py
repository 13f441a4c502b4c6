"""Verify the chained logs against their keyed MACs and the signed checkpoints outside the database."""
from django.core.management.base import BaseCommand, CommandError

from accounts.checkpoints import checkpoint_write, public_key_load, verify_all


class Command(BaseCommand):
    help = ("Verify the audit log and the access log (keyed hash chains) and compare them with the signed "
            "checkpoints; exit 1 naming each break (altered, removed or recomputed rows, a removed tail, a "
            "truncated table, a forged checkpoint). Writes a new checkpoint when everything verifies. After a year "
            "was archived (manage.py partitions --detach), each chain is verified from the archive checkpoint at "
            "the end of the archived rows.")

    def add_arguments(self, parser):
        parser.add_argument("--public-key", help="check the checkpoints with this public key (base64, as "
                                                 "`audit_checkpoint --public-key` printed it) instead of the "
                                                 "server's signing key")
        parser.add_argument("--checkpoint-dir", help="the checkpoints to compare with (default: "
                                                     "settings.AUDIT_CHECKPOINT_DIR), e.g. the auditor's copy")
        parser.add_argument("--no-checkpoint", action="store_true", help="do not write a checkpoint")

    def handle(self, *args, **options):
        public_key = None
        if options["public_key"]:
            try:
                public_key = public_key_load(options["public_key"])
            except ValueError:
                raise CommandError("--public-key is not a base64 Ed25519 public key") from None
        report = verify_all(public_key=public_key, directory=options["checkpoint_dir"])
        for broken in report.breaks:
            self.stderr.write(f"{broken.chain} chain BROKEN at row {broken.row_id} (seq {broken.seq}): {broken.reason}")
        for problem in report.problems:
            self.stderr.write(f"TAMPERING: {problem}")
        if not report.ok:
            raise SystemExit(1)
        for state in report.states:
            line = f"{state.chain} chain OK ({state.seq} rows)"
            for archived in state.archived:
                # An archived year (accounts/management/partition_archive.py): the rows after it were
                # verified from the archive checkpoint at or before the first remaining row.
                line += (f"; rows {archived.first}–{archived.last} archived: verified from the {archived.source} "
                         f"at row {archived.last}")
            self.stdout.write(line)
        if not report.checkpoints:
            self.stdout.write("warning: no checkpoint to compare with: a removed tail cannot be detected "
                              "before the first checkpoint")
        else:
            self.stdout.write(f"consistent with {report.checkpoints} checkpoint(s)")
        if not options["no_checkpoint"]:
            path = checkpoint_write(report.heads(), directory=options["checkpoint_dir"])
            self.stdout.write(f"checkpoint written: {path}")
