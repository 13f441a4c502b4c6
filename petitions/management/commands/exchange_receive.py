"""Apply packages from other instances, in sequence (docs/architecture.md §6.2), and move each file
read out of the way: into ``applied/`` (applied, or already applied before, or passed over by the
sender), ``held/`` (kept by the system until the packages before it arrive: the system has its own
copy) or ``refused/`` (with ``<name>.reason.txt`` beside it) under the directory it was in, so
that the next run reads only new files. A file that could not be read for another reason (a full
disk, a database error) stays where it is for the next run."""
import os
import shutil
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from petitions.lib.package import PackageRejected, manifest_peek
from petitions.services.instances import package_receive

ARCHIVE = {"applied": "applied", "duplicate": "applied", "superseded": "applied", "held": "held",
           "already_held": "held"}
REFUSED = "refused"


def _order(path):
    """(sender, sequence) from the unverified manifest, to hand the files over in order."""
    try:
        with open(path, "rb") as fh:
            manifest = manifest_peek(fh, size=os.path.getsize(path))
        seq = manifest.get("seq")
        return (str(manifest.get("sender")), seq if isinstance(seq, int) else 0, str(path))
    except (PackageRejected, OSError):
        return ("", 0, str(path))


def _same_bytes(a, b):
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1024 * 1024), fb.read(1024 * 1024)
            if x != y:
                return False
            if not x:
                return True


def archive(path, folder, reason=None):
    """Move ``path`` into ``<its directory>/<folder>/`` (made 0700), under its name or, when a
    different file already has it, ``<stem>-2.zip`` … A file of the same name and bytes is already
    there (the same package read twice): the input is removed. With ``reason``, write it to
    ``<name>.reason.txt`` beside the moved file. Returns the new path."""
    target_dir = path.parent / folder
    target_dir.mkdir(mode=0o700, exist_ok=True)
    target = target_dir / path.name
    n = 1
    while target.exists():
        if _same_bytes(target, path):
            path.unlink()
            break
        n += 1
        target = target_dir / f"{path.stem}-{n}{path.suffix}"
    else:
        shutil.move(str(path), str(target))
    if reason is not None:
        note = target.with_name(target.name + ".reason.txt")
        note.write_text(reason, encoding="utf-8")
    return target


class Command(BaseCommand):
    help = ("导入对端系统的交办转办数据包（文件或目录中的 *.zip）：验签、校验、按序号应用；重复的包不作改动，"
            "缺少前序包时暂存并报告缺少的序号。读过的文件移入所在目录下的 applied/、held/ 或 refused/（附拒收原因），"
            "--keep 则留在原处。")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="package files or directories holding them")
        parser.add_argument("--user", help="username recorded in the audit log (needs the exchange permission)")
        parser.add_argument("--keep", action="store_true",
                            help="leave the files where they are (read-only media); the next run reads them again")

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
                self._archive(path, REFUSED, options, reason=f"code: {exc.code}\nreason: {exc.message}\n"
                                                             f"refused at: {datetime.now().astimezone().isoformat()}\n")
                continue
            self.stdout.write(f"{path.name}: {report.outcome} from {report.sender} #{report.seq}"
                              + (f", applied {report.applied}" if report.applied else "")
                              + (f", held {report.held}, missing {report.missing}" if report.missing else "")
                              + (f", items {report.counts}" if report.counts else ""))
            for note in report.resync:
                self.stdout.write(f"  sequence re-based: {note}")
            for seq, code, message in report.refusals:
                self.stdout.write(f"  {report.sender} refused our package {seq} ({code}): {message}")
            for seq, message in report.refused_held:
                self.stdout.write(f"  held package {seq} refused: {message}")
            for seq, number, action, outcome, message in report.problems:
                self.stdout.write(f"  #{seq} {number} {action}: {outcome}: {message}")
            self._archive(path, ARCHIVE[report.outcome], options)
        if refused:
            raise CommandError(f"{refused} of {len(files)} packages refused")

    def _archive(self, path, folder, options, reason=None):
        if options["keep"]:
            return
        try:
            target = archive(path, folder, reason)
        except OSError as exc:
            self.stderr.write(f"  could not move {path.name} into {folder}/: {exc}")
            return
        if target.exists():
            self.stdout.write(f"  -> {target}")
