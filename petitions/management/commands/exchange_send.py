"""Write the next package(s) for another instance (docs/architecture.md §6.2)."""
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import ServiceError
from petitions.models import HeldBack, PeerOutboxItem
from petitions.services.instances import package_filename, package_path, package_send, packages_unacked, peer_for


class Command(BaseCommand):
    help = ("把待发给对端系统的交办转办事项编入下一个签名数据包（按序号，每包不超过对方的接收上限），复制到 --out 目录；"
            "--unacked 再复制一遍对方尚未确认应用的包（补发丢失的包）。单独超过上限的事项暂不发送并列出。")

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="organization code of the receiving instance")
        parser.add_argument("--out", help="directory the packages are copied to (the transfer directory)")
        parser.add_argument("--unacked", action="store_true",
                            help="also copy every package the receiver has not reported as applied")
        parser.add_argument("--user", help="username recorded in the audit log (needs the exchange permission)")

    def handle(self, *args, **options):
        peer = peer_for(options["to"])
        if peer is None:
            raise CommandError(f"{options['to']} is not a registered peer instance")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']}")
        out = Path(options["out"]) if options["out"] else None
        if out is not None and not out.is_dir():
            raise CommandError(f"{out} is not a directory")
        written = []
        try:
            while True:
                package = package_send(peer=peer, actor=actor)
                if package is None:
                    break
                written.append(package)
                self.stdout.write(f"package {package.seq} for {peer.org.code}: {package.items} items, "
                                  f"{package.files} files, {package.size} bytes")
        except FileNotFoundError as exc:
            raise CommandError(f"signing key missing ({exc.filename}); run exchange_keygen first") from None
        except ServiceError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if not written:
            self.stdout.write(f"nothing new for {peer.org.code}")
        peer.refresh_from_db()
        for item in PeerOutboxItem.objects.filter(peer=peer, package__isnull=True, held_back=HeldBack.TOO_LARGE) \
                .select_related("case").order_by("id"):
            self.stdout.write(f"  held back (too large): {item.case.number} {item.key}: {item.held_back_reason}")
        copies = packages_unacked(peer) if options["unacked"] else written
        for package in copies:
            source = package_path(package)
            if out is not None and source is not None:
                target = out / package_filename(package)
                shutil.copyfile(source, target.with_suffix(".part"))
                target.with_suffix(".part").replace(target)
                self.stdout.write(f"  -> {target}")
            elif source is not None:
                self.stdout.write(f"  {source}")
        if peer.acked_seq < peer.out_seq:
            self.stdout.write(f"{peer.org.code} has applied up to {peer.acked_seq} of {peer.out_seq}")
