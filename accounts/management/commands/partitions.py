"""Yearly partitions of the audit log, the case trail and the personal-data view log on PostgreSQL
(accounts/partitioning.py, docs/architecture.md §4.4, docs/performance.md "Partitions"):
``--ensure`` creates this year's and next year's partitions (nightly, idempotent), ``--list`` shows
them, ``--detach YEAR --to DIR`` archives a year (accounts/management/partition_archive.py)."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from accounts import partitioning
from accounts.management.partition_archive import ArchiveRefused, archive_year, ensure_partitions, refuse_on_sqlite

USERNAME = "manage.py partitions"


class Command(BaseCommand):
    help = ("按年分区（仅 PostgreSQL）：--ensure 为当年和下一年建分区（每晚定时运行，可重复执行）；--list 列出各分区的行数和大小；"
            "--detach 年份 --to 目录 把该年的分区分离、导出到归档目录（pg_dump，附 SHA-256 清单）、核对后从数据库删除。")

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="create this year's and next year's partitions")
        parser.add_argument("--list", action="store_true", help="list the partitions with their rows and sizes")
        parser.add_argument("--detach", type=int, metavar="YEAR", help="archive the partitions of YEAR")
        parser.add_argument("--to", metavar="DIR", help="archive directory for --detach")
        parser.add_argument("--user", help="username recorded in the audit log")

    def handle(self, *args, **options):
        try:
            refuse_on_sqlite()
        except ArchiveRefused as exc:
            raise CommandError(str(exc)) from None
        if not (options["ensure"] or options["list"] or options["detach"] is not None):
            raise CommandError(_("请指定 --ensure、--list 或 --detach 年份 --to 目录。"))
        if options["detach"] is not None and not options["to"]:
            raise CommandError(_("--detach 须同时用 --to 指定归档目录。"))
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("没有账号 %(user)s。") % {"user": options["user"]})
        username = "" if actor else USERNAME
        year = partitioning.current_year()
        failed = False
        if options["ensure"]:
            failed = self.ensure(year, actor, username)
        if options["detach"] is not None:
            try:
                result = archive_year(options["detach"], options["to"], actor=actor, username=username,
                                      today_year=year)
            except ArchiveRefused as exc:
                raise CommandError(str(exc)) from None
            for table, rows in result.tables.items():
                self.stdout.write(_("已归档 %(table)s：%(rows)d行") % {"table": table, "rows": rows})
            for chain, ranges in result.archived.items():
                for first, last, _hash in ranges:
                    self.stdout.write(_("%(chain)s 链第%(first)d–%(last)d行已归档") %
                                      {"chain": chain, "first": first, "last": last})
            self.stdout.write(_("归档目录：%(dir)s（清单 SHA-256 %(sha)s）；归档检查点：%(cp)s")
                              % {"dir": result.directory, "sha": result.manifest_sha256, "cp": result.checkpoint})
            self.stdout.write(_("用时：%(steps)s") % {"steps": "，".join(
                f"{step} {seconds:.1f} s" for step, seconds in result.timings.items())})
        if options["list"]:
            self.list()
        if failed:
            raise SystemExit(1)

    def ensure(self, year, actor, username):
        failed = False
        for parent, for_year, name, reason in ensure_partitions(years=[year, year + 1], actor=actor,
                                                                username=username):
            if reason is None:
                self.stdout.write(_("已新建分区 %(name)s（%(year)d年）") % {"name": name, "year": for_year})
            elif reason == "exists":
                self.stdout.write(_("%(year)d年已有分区 %(name)s") % {"year": for_year, "name": name})
            else:
                failed = True
                self.stderr.write(_("%(parent)s 不能新建%(year)d年的分区：该年的记录已写入默认分区（%(reason)s），"
                                    "它们只能留在那里；请检查服务器时钟。")
                                  % {"parent": parent, "year": for_year, "reason": reason})
        return failed

    def list(self):
        with connection.cursor() as cursor:
            for parent in partitioning.partitioned_tables(connection):
                self.stdout.write(parent)
                found = [*partitioning.partitions(connection, parent),
                         *partitioning.detached_leftovers(connection, parent)]
                for part in found:
                    cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size(%s::regclass)) "
                                   f"FROM {connection.ops.quote_name(part.name)}", [part.name])
                    rows, size = cursor.fetchone()
                    state = "" if part.attached else _("（已分离，未归档完）")
                    self.stdout.write(f"  {part.name:<40} {part.label():<14} {rows:>12,} {size:>10}{state}")
