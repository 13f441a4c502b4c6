from .base import *  # noqa: F401,F403
from .base import FIELD_ENCRYPTION_KEY, _local_field_key, env_bool

DEBUG = env_bool("DEBUG", True)
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or _local_field_key()

# Benchmark tooling (the data generator behind `manage.py generate_cases`); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
