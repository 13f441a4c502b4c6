"""Mark an organization as running its own instance, change its keys, or list the peers
(docs/architecture.md §6.2; the page is 对端系统)."""
from django.core.management.base import BaseCommand, CommandError

from accounts.exceptions import ServiceError
from accounts.models import OrgUnit
from petitions.lib.package import public_key_fingerprint
from petitions.models import ExchangeKey
from petitions.selectors.instances import peer_states
from petitions.services.instances import (
    peer_deactivate, peer_for, peer_key_add, peer_key_deactivate, peer_limit_set, peer_limits, peer_mark,
)


class Command(BaseCommand):
    help = ("登记独立部署本系统的下级（lower）或上级（upper）系统及其公钥；增加、停用公钥；设置单包大小上限；"
            "列出对端系统及交换序号。")

    def add_arguments(self, parser):
        parser.add_argument("--org", help="organization code of the other instance")
        parser.add_argument("--direction", choices=("lower", "upper"), help="mark --org as a lower or upper instance")
        parser.add_argument("--public-key", help="its public key (printed by exchange_keygen there)")
        parser.add_argument("--add-key", help="trust a further public key of --org (a key change)")
        parser.add_argument("--deactivate-key", help="stop trusting the key of --org with this fingerprint")
        parser.add_argument("--deactivate", action="store_true", help="stop exchanging with --org")
        parser.add_argument("--max-bytes", type=int,
                            help="largest package written for --org in bytes (0: none set; the peer's announced "
                                 "limit or EXCHANGE_MAX_BYTES applies)")
        parser.add_argument("--note", default="")

    def handle(self, *args, **options):
        if not options["org"]:
            return self._list()
        org = OrgUnit.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"unknown organization {options['org']}")
        try:
            if options["direction"]:
                peer_mark(actor=None, org=org, direction=options["direction"], public_key=options["public_key"] or "",
                          note=options["note"])
                self.stdout.write(f"{org.code} marked as {options['direction']} instance")
                return
            peer = peer_for(org.code)
            if peer is None:
                raise CommandError(f"{org.code} is not a peer; mark it with --direction")
            if options["add_key"]:
                key = peer_key_add(actor=None, peer=peer, public_key=options["add_key"], note=options["note"])
                self.stdout.write(f"key {public_key_fingerprint(key.public_key)} added for {org.code}")
            elif options["deactivate_key"]:
                keys = [k for k in ExchangeKey.objects.filter(org=org, is_active=True)
                        if public_key_fingerprint(k.public_key) == options["deactivate_key"]]
                if not keys:
                    raise CommandError(f"no active key {options['deactivate_key']} for {org.code}")
                peer_key_deactivate(actor=None, key=keys[0])
                self.stdout.write(f"key {options['deactivate_key']} of {org.code} deactivated")
            elif options["deactivate"]:
                peer_deactivate(actor=None, peer=peer)
                self.stdout.write(f"exchange with {org.code} stopped")
            elif options["max_bytes"] is not None:
                peer_limit_set(actor=None, peer=peer, max_bytes=options["max_bytes"])
                self.stdout.write(f"packages for {org.code} at most {peer_limits(peer)[0]} bytes")
            else:
                self._list()
        except ServiceError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _list(self):
        for s in peer_states():
            p = s.peer
            keys = ", ".join(f"{fp}{'' if k.is_active else ' (inactive)'}" for k, fp in s.keys)
            self.stdout.write(
                f"{p.org.code} {p.direction}{'' if p.is_active else ' INACTIVE'}: sent {p.out_seq} (applied there "
                f"{p.acked_seq}), queued {s.pending_items}, held back {len(s.held_back)}; applied here {p.in_seq}, "
                f"held {s.held}, missing {s.missing}, problems {s.problems}; packages at most {peer_limits(p)[0]} "
                f"bytes; keys {keys}")
            for r in s.refused_there[:5]:
                self.stdout.write(f"  refused there: #{r.seq} {r.code} {r.refused_at:%Y-%m-%d %H:%M}: {r.message}")
            if p.resync_note:
                self.stdout.write(f"  sequence re-based {p.resync_at:%Y-%m-%d %H:%M}: {p.resync_note}")
