"""Create this instance's Ed25519 key for signing data packages; print the public key."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from petitions.lib.package import key_generate, key_rotate


class Command(BaseCommand):
    help = ("生成本系统的数据交换签名密钥（私钥文件权限 0600），并输出供对方登记的公钥；"
            "--rotate 更换密钥（旧私钥改名保留，新旧公钥在对方同时有效期间在途的包不受影响）。")

    def add_arguments(self, parser):
        parser.add_argument("--path", help="private key file (default: settings.EXCHANGE_PRIVATE_KEY_PATH)")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing key")
        parser.add_argument("--rotate", action="store_true",
                            help="key change: keep the current key as <path>.retired-<time>, make a new one")

    def handle(self, *args, **options):
        path = options["path"] or str(settings.EXCHANGE_PRIVATE_KEY_PATH)
        if options["rotate"]:
            try:
                public, retired = key_rotate(path, now=timezone.now())
            except FileNotFoundError:
                raise CommandError(f"{path} does not exist; nothing to rotate") from None
            self.stdout.write(f"previous key kept as: {retired}")
            self.stdout.write(f"private key: {path}")
            self.stdout.write(f"public key: {public}")
            self.stdout.write("register the new public key at every peer (both keys stay active there); once each "
                              "peer has applied the packages signed with the previous key, deactivate it there")
            return
        try:
            public = key_generate(path, overwrite=options["overwrite"])
        except FileExistsError:
            raise CommandError(f"{path} exists; use --overwrite to replace it or --rotate to change it") from None
        self.stdout.write(f"private key: {path}")
        self.stdout.write(f"public key: {public}")
