from .base import *  # noqa: F401,F403
from .base import FIELD_ENCRYPTION_KEY, _local_field_key, env_bool

# Django's debug pages only when asked for (`DJANGO_DEBUG=1 make run`): otherwise `make run` shows the
# project's own 404 and 500 pages (templates/404.html, 500.html), as the office will see them; errors
# still print their traceback on the console (the root logger).
DEBUG = env_bool("DEBUG", False)
# Without DEBUG runserver serves no static files (and whitenoise.runserver_nostatic stops it anyway):
# WhiteNoise serves them from the apps' and the project's static folders, re-read when they change,
# as production serves the collected ones.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or _local_field_key()

# Benchmark tooling (the data generator behind `manage.py generate_cases`); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
