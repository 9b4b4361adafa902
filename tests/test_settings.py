"""Production settings refuse unsafe configurations at start-up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

BASE_ENV = {"PATH": os.environ.get("PATH", ""), "UNDEU_VAR_DIR": "/tmp/undeu-settings-test"}


def load_settings(**env):
    return subprocess.run(
        [sys.executable, "-c", "import undeu.settings"],
        env={**BASE_ENV, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"ALLOWED_HOSTS": "example.org"},
        {"ALLOWED_HOSTS": "example.org", "SECRET_KEY": "short"},
        {"ALLOWED_HOSTS": "example.org", "SECRET_KEY": "django-insecure-" + "x" * 50},
        {"SECRET_KEY": "x" * 50},
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "DEBUG": "maybe"},
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "UNDEU_MAIL": "carrier-pigeon"},
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "EMAIL_PORT": "twenty-five"},
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "UNDEU_SIGNER_KEYS": "x" * 44},
        {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", "UNDEU_SIGNER_KEYS_FILE": "/none"},
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(env):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_a_real_key_and_hosts(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 50)
    result = load_settings(SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where SQLite reports "memory"; on disk it is WAL.
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]
