"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


AUDIT_ENV = {"DJANGO_AUDIT_CHECKPOINT_DIR": "/srv/audit/checkpoints",
             "DJANGO_AUDIT_SIGNING_KEY_PATH": "/etc/xinfang/audit_ed25519.key"}


def run_check(**env_overrides):
    # Only what the test passes decides (settings read DJANGO_<name> and <name>).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_AUDIT_HMAC_KEY=secrets.token_hex(32),
               **AUDIT_ENV)
    env.update(env_overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_deploy_check_reports_nothing():
    result = run_check(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="xf.example.gov.cn",
                       DJANGO_FIELD_ENCRYPTION_KEY=secrets.token_hex(32))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_ALLOWED_HOSTS="xf.example.gov.cn", DJANGO_FIELD_ENCRYPTION_KEY=secrets.token_hex(32))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_field_encryption_key():
    result = run_check(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="xf.example.gov.cn")
    assert result.returncode != 0
    assert "DJANGO_FIELD_ENCRYPTION_KEY" in result.stderr


def test_production_refuses_to_start_without_the_audit_keys():
    complete = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "xf.example.gov.cn",
                "DJANGO_FIELD_ENCRYPTION_KEY": secrets.token_hex(32)}
    for name, value in (("DJANGO_AUDIT_HMAC_KEY", None), ("DJANGO_AUDIT_HMAC_KEY", "ab" * 16),
                        ("DJANGO_AUDIT_CHECKPOINT_DIR", None), ("DJANGO_AUDIT_SIGNING_KEY_PATH", None)):
        result = run_check(**complete, **{name: value})
        assert result.returncode != 0 and name in result.stderr
