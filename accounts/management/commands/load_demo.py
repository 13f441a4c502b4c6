from django.core.management.base import BaseCommand

from accounts.demo import load_demo


class Command(BaseCommand):
    help = "Load demo organizations, users (password Xinfang@2026) and cases. Idempotent."

    def handle(self, *args, **options):
        counts = load_demo()
        self.stdout.write("demo data: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
