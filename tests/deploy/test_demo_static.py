"""The demo serves static files as production does: collected, gzip-compressed, hashed names cached a year."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

READ_STATIC_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS, s.WHITENOISE_AUTOREFRESH)"
)


def manage(*args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "STATIC_COMPRESSED"}}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_demo_setting_turns_on_compressed_static_files_and_plain_debug_does_not():
    demo = manage("shell", "-c", READ_STATIC_SETTINGS, DEBUG="true", STATIC_COMPRESSED="true")
    assert demo.splitlines()[-1].split() == ["core.staticfiles.HashedStaticFilesStorage", "False", "False"]
    editing = manage("shell", "-c", READ_STATIC_SETTINGS, DEBUG="true")
    assert editing.splitlines()[-1].split() == ["django.contrib.staticfiles.storage.StaticFilesStorage", "True", "True"]


def test_the_demo_serves_gzipped_static_files_with_hashed_names_cached_for_a_year(tmp_path: Path, settings):
    manage("collectstatic", "--noinput", DEBUG="true", STATIC_COMPRESSED="true", STATIC_ROOT=str(tmp_path))
    assert list((tmp_path / "css").glob("sharing.*.css.gz")), "collectstatic wrote no compressed CSS"
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.staticfiles.HashedStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    client = Client()  # built now, so WhiteNoise indexes the collected files

    page = client.get(reverse("home")).content.decode()
    css = "/static/css/sharing." + page.split('href="/static/css/sharing.')[1].split('"')[0]
    assert css != "/static/css/sharing.css", "the demo hands out unhashed names, which cannot be cached"
    response = client.get(css, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    sprite = "/static/icons/sprite." + page.split('href="/static/icons/sprite.')[1].split("#")[0]
    assert client.get(sprite, HTTP_ACCEPT_ENCODING="gzip").headers["Content-Encoding"] == "gzip"
