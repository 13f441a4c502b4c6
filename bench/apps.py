from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark tooling: the synthetic data generator (``manage.py generate_cases``).

    Installed by the development and test settings only; production never has it."""

    name = "bench"
    verbose_name = "bench"
