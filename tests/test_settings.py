"""Production refuses a weak key and passes the deployment checks; development makes its own."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from archive.settings import secret_key

ROOT = Path(__file__).resolve().parent.parent
STRONG = "k3Y-" + "a1B2c3D4e5F6g7H8i9J0" * 3


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "must be set"),
        ("x", "publicly known"),
        ("dev-only-insecure-key-do-not-use-in-production", "publicly known"),
        ("django-insecure-" + "a1b2c3d4e5" * 5, "publicly known"),
        ("ChangeMe", "publicly known"),
        ("short-but-random-0123456789", "50 characters or more"),
        ("a" * 60, "50 characters or more, and varied"),
    ],
)
def test_production_refuses_a_missing_short_or_known_key(tmp_path, key, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        secret_key({"SECRET_KEY": key}, production=True, key_file=tmp_path / "key")
    assert not (tmp_path / "key").exists()


def test_production_takes_a_long_random_key(tmp_path):
    assert secret_key({"SECRET_KEY": STRONG}, production=True, key_file=tmp_path / "k") == STRONG


def test_development_makes_a_random_key_once_and_keeps_it(tmp_path):
    key_file = tmp_path / ".secret_key"
    first = secret_key({}, production=False, key_file=key_file)
    assert len(first) >= 50
    assert secret_key({}, production=False, key_file=key_file) == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secret_key({}, production=False, key_file=tmp_path / "other") != first


def test_the_development_key_file_is_ignored_by_git():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".secret_key"], cwd=ROOT, check=False
    ).returncode
    assert ignored == 0


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly refuses.
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", PRODUCTION="true", SECRET_KEY=STRONG
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_will_not_start_with_a_known_key():
    result = manage("check", PRODUCTION="true", SECRET_KEY="x")
    assert result.returncode != 0
    assert "SECRET_KEY is a publicly known key" in result.stderr
