"""With the production settings (DEBUG=false), collectstatic succeeds and every kind of page renders."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """collectstatic run as production runs it: DEBUG off, the manifest storage, a fresh STATIC_ROOT."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), STATIC_ROOT=str(root))
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def production_client(settings, collected_static) -> Client:
    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    # A new client builds its middleware now, so WhiteNoise indexes the collected files.
    return Client()


def test_collectstatic_writes_the_manifest_with_production_settings(collected_static):
    assert (collected_static / "staticfiles.json").exists()
    assert list((collected_static / "vendor" / "leaflet").glob("leaflet.*.js"))


def test_pages_render_with_hashed_asset_names_under_production_settings(production_client, user):
    listing = make_listing(owner=user)
    urls = [reverse("home"), reverse("account_login"), reverse("listings:search"), listing.get_absolute_url()]
    for url in urls:
        response = production_client.get(url)
        assert response.status_code == 200, url
        assert "/static/css/sharing." in response.content.decode(), url


def test_the_app_serves_its_hashed_assets_cacheable_forever(production_client):
    page = production_client.get(reverse("home")).content.decode()
    css_url = page.split('href="/static/css/sharing.')[1].split('"')[0]
    response = production_client.get(f"/static/css/sharing.{css_url}")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
