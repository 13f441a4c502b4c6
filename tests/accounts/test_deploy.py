"""Production settings pass Django's deployment checklist (`manage.py check --deploy`)."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env_overrides):
    # Only what the test passes decides (settings read DJANGO_<name> and <name>).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env_overrides)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def complete_env(**overrides):
    """Everything production needs (the database is only named: `check --deploy` does not connect)."""
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "xf.example.gov.cn",
           "DJANGO_FIELD_ENCRYPTION_KEY": secrets.token_hex(32),
           "DATABASE_URL": "postgres://xf@db.example.gov.cn:5432/xf",
           "DJANGO_AUDIT_HMAC_KEY": secrets.token_hex(32), "DJANGO_AUDIT_CHECKPOINT_DIR": "/srv/audit/checkpoints",
           "DJANGO_AUDIT_SIGNING_KEY_PATH": "/etc/xinfang/audit_ed25519.key"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_deploy_check_reports_nothing():
    result = run_check(**complete_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def refused(result, name):
    """Refused with one clear line naming ``name``: no traceback, exit status non-zero."""
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("configuration error") and name in lines[0]


def test_production_refuses_to_start_without_a_secret_key():
    refused(run_check(**complete_env(DJANGO_SECRET_KEY=None)), "DJANGO_SECRET_KEY")


def test_production_refuses_to_start_without_the_field_encryption_key():
    refused(run_check(**complete_env(DJANGO_FIELD_ENCRYPTION_KEY=None)), "DJANGO_FIELD_ENCRYPTION_KEY")


def test_production_refuses_a_field_key_that_is_not_64_hex_characters():
    refused(run_check(**complete_env(DJANGO_FIELD_ENCRYPTION_KEY="z" * 64)), "DJANGO_FIELD_ENCRYPTION_KEY")
    refused(run_check(**complete_env(DJANGO_FIELD_ENCRYPTION_KEY="ab" * 16)), "DJANGO_FIELD_ENCRYPTION_KEY")


def test_production_refuses_to_start_without_allowed_hosts():
    """No silent localhost default."""
    refused(run_check(**complete_env(DJANGO_ALLOWED_HOSTS=None)), "DJANGO_ALLOWED_HOSTS")


def test_production_refuses_to_start_without_a_database_url():
    """No silent SQLite default."""
    refused(run_check(**complete_env(DATABASE_URL=None)), "DATABASE_URL")
    refused(run_check(**complete_env(DATABASE_URL="sqlite:////tmp/xf.sqlite3")), "DATABASE_URL")


def test_production_refuses_to_start_without_the_audit_keys():
    refused(run_check(**complete_env(DJANGO_AUDIT_HMAC_KEY=None)), "DJANGO_AUDIT_HMAC_KEY")
    refused(run_check(**complete_env(DJANGO_AUDIT_HMAC_KEY="ab" * 16)), "DJANGO_AUDIT_HMAC_KEY")
    refused(run_check(**complete_env(DJANGO_AUDIT_CHECKPOINT_DIR=None)), "DJANGO_AUDIT_CHECKPOINT_DIR")
    refused(run_check(**complete_env(DJANGO_AUDIT_SIGNING_KEY_PATH=None)), "DJANGO_AUDIT_SIGNING_KEY_PATH")
