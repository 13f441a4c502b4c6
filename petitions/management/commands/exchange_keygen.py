"""Create this instance's Ed25519 key for signing data packages; print the public key."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from petitions.lib.package import key_generate


class Command(BaseCommand):
    help = "生成本系统的数据交换签名密钥（私钥文件权限 0600），并输出供上级登记的公钥。"

    def add_arguments(self, parser):
        parser.add_argument("--path", help="private key file (default: settings.EXCHANGE_PRIVATE_KEY_PATH)")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing key")

    def handle(self, *args, **options):
        path = options["path"] or str(settings.EXCHANGE_PRIVATE_KEY_PATH)
        try:
            public = key_generate(path, overwrite=options["overwrite"])
        except FileExistsError:
            raise CommandError(f"{path} exists; use --overwrite to replace it") from None
        self.stdout.write(f"private key: {path}")
        self.stdout.write(f"public key: {public}")
