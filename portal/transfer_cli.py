"""What the two transfer commands share (``portal_transfer`` on the internet side, ``intranet_transfer``
on the intranet; README, "群众端单独部署"): the key, the directories and the report."""
import os

from django.conf import settings
from django.core.management.base import CommandError

from petitions.lib.package import key_generate, private_key_load, public_key_text


def add_arguments(parser):
    parser.add_argument("--receive", action="store_true", help="only import the other side's packages")
    parser.add_argument("--send", action="store_true", help="only write this side's package(s)")
    parser.add_argument("--keygen", action="store_true",
                        help="create this side's signing key (PORTAL_TRANSFER_KEY_PATH) and print its public key")
    parser.add_argument("--public-key", action="store_true", help="print this side's public key")


def keys(command, options):
    """--keygen / --public-key; True when the command should stop there."""
    path = settings.PORTAL_TRANSFER_KEY_PATH
    if options["keygen"]:
        try:
            text = key_generate(path)
        except FileExistsError:
            raise CommandError(f"{path} exists; remove it first to replace the key (the other side must then "
                               "trust the new public key: list both in PORTAL_TRANSFER_PEER_KEYS until the "
                               "packages signed with the old one are imported)")
        command.stdout.write(f"signing key written to {path}\npublic key (PORTAL_TRANSFER_PEER_KEYS on the other side):")
        command.stdout.write(text)
        return True
    if options["public_key"]:
        command.stdout.write(public_key_text(_private_key().public_key()))
        return True
    return False


def _private_key():
    path = settings.PORTAL_TRANSFER_KEY_PATH
    if not os.path.exists(path):
        raise CommandError(f"no signing key at {path}: run this command with --keygen first")
    return private_key_load(path)


def check_configuration(*, sending, receiving):
    """Refuse to run with a missing key, directory or peer key, naming what is missing."""
    own = public_key_text(_private_key().public_key())
    if receiving:
        if not settings.PORTAL_TRANSFER_PEER_KEYS:
            raise CommandError("PORTAL_TRANSFER_PEER_KEYS is empty: set the other side's public key")
        if own in settings.PORTAL_TRANSFER_PEER_KEYS:
            raise CommandError("PORTAL_TRANSFER_PEER_KEYS lists this side's own key: each side has its own")
        if not os.path.isdir(settings.PORTAL_TRANSFER_INBOX):
            raise CommandError(f"inbound directory {settings.PORTAL_TRANSFER_INBOX} does not exist")
    if sending:
        os.makedirs(settings.PORTAL_TRANSFER_OUTBOX, exist_ok=True)


def report(command, results):
    """One line per package imported; True when one was refused."""
    refused = False
    for name, status, detail in results:
        if status == "refused":
            refused = True
            command.stderr.write(f"{name}: refused: {detail}")
        else:
            command.stdout.write(f"{name}: {status} {detail if detail else ''}".rstrip())
    return refused
