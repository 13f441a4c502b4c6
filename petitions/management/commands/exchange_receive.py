"""Apply packages from other instances, in sequence (docs/architecture.md §6.2)."""
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from petitions.lib.package import PackageRejected, manifest_peek
from petitions.services.instances import package_receive


def _order(path):
    """(sender, sequence) from the unverified manifest, to hand the files over in order."""
    try:
        with open(path, "rb") as fh:
            manifest = manifest_peek(fh, size=os.path.getsize(path))
        seq = manifest.get("seq")
        return (str(manifest.get("sender")), seq if isinstance(seq, int) else 0, str(path))
    except (PackageRejected, OSError):
        return ("", 0, str(path))


class Command(BaseCommand):
    help = ("导入对端系统的交办转办数据包（文件或目录中的 *.zip）：验签、校验、按序号应用；重复的包不作改动，"
            "缺少前序包时暂存并报告缺少的序号。")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="package files or directories holding them")
        parser.add_argument("--user", help="username recorded in the audit log (needs the exchange permission)")

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']}")
        files = []
        for name in options["paths"]:
            path = Path(name)
            if path.is_dir():
                files += sorted(p for p in path.iterdir() if p.suffix == ".zip" and p.is_file())
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path} not found")
        refused = 0
        for path in sorted(files, key=_order):
            try:
                with open(path, "rb") as fh:
                    report = package_receive(fileobj=fh, size=os.path.getsize(path), actor=actor)
            except PackageRejected as exc:
                refused += 1
                self.stdout.write(f"{path.name}: refused ({exc.code}): {exc.message}")
                continue
            self.stdout.write(f"{path.name}: {report.outcome} from {report.sender} #{report.seq}"
                              + (f", applied {report.applied}" if report.applied else "")
                              + (f", held {report.held}, missing {report.missing}" if report.missing else "")
                              + (f", items {report.counts}" if report.counts else ""))
            for seq, message in report.refused_held:
                self.stdout.write(f"  held package {seq} refused: {message}")
            for seq, number, action, outcome, message in report.problems:
                self.stdout.write(f"  #{seq} {number} {action}: {outcome}: {message}")
        if refused:
            raise CommandError(f"{refused} of {len(files)} packages refused")
