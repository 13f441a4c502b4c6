"""``manage.py generate_cases --count N --seed S [--years 3] [--batch 20000]``: synthetic cases at scale.

See ``bench/generator`` for what is generated and how it is loaded, and
docs/performance.md for the measured throughput.
"""
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from bench.generator import generate
from bench.generator.loader import INDEX_MODES


class Command(BaseCommand):
    help = ("Fill the database with realistic synthetic petition cases (petitioners, assignments, event trail, "
            "evaluations) for benchmarks and demonstrations. Deterministic for a seed and end date. "
            "Not for production databases.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="number of cases")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--years", type=float, default=3, help="spread registrations over this many years")
        parser.add_argument("--end-date", type=date.fromisoformat, default=None,
                            help="last registration day, YYYY-MM-DD (default: today)")
        parser.add_argument("--batch", type=int, default=20000, help="cases per COPY batch")
        parser.add_argument("--indexes", choices=INDEX_MODES, default="auto",
                            help="PostgreSQL: rebuild = drop secondary indexes for the load and build them after; "
                                 "gin = only the search index; keep = maintain all during the load; "
                                 "auto = by size (default)")

    def handle(self, *args, **options):
        count = options["count"]
        if count < 1:
            raise CommandError("--count must be at least 1")
        if options["years"] <= 0:
            raise CommandError("--years must be positive")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        stats = generate(count=count, seed=options["seed"], years=options["years"], end_date=options["end_date"],
                         batch_size=options["batch"], index_mode=options["indexes"],
                         stream=self.stderr._out if options["verbosity"] > 0 else None)
        rows = ", ".join(f"{k} {v:,}" for k, v in stats["rows"].items() if v)
        self.stdout.write(
            f"generated {stats['cases']:,} cases in {stats['seconds']:.1f}s "
            f"({stats['cases'] / stats['seconds']:,.0f} cases/s) on {stats['vendor']}: {rows}")
        if stats["cpu"]:
            # CPU seconds per phase: on a shared machine the wall time depends on the neighbours;
            # max(ours, server's) per phase is what an otherwise idle machine needs at least.
            idle = sum(max(own, backend or 0) for own, backend in stats["cpu"].values())
            self.stdout.write("cpu seconds (generator / database backend): " + ", ".join(
                f"{phase} {own:.0f}/{backend:.0f}" if backend is not None else f"{phase} {own:.0f}/?"
                for phase, (own, backend) in stats["cpu"].items()) + f"; idle-machine estimate {idle:.0f}s")
        if options["verbosity"] > 1:
            for name, seconds in stats["timings"].items():
                self.stdout.write(f"  {name}: {seconds:.1f}s")
