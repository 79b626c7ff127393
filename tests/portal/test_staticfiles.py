"""The production static storage (portal/staticfiles.py): collectstatic writes its manifest although an
installed package's CSS names files the package does not ship, and stays strict for our own files.

Two small static trees stand in for the project (``own``) and an installed package (``package``); which
directory counts as a package's is the storage's one environmental input, pointed at the temporary tree.
The whole real collectstatic under production settings runs in `make deploy-check`.
"""

import json

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

from portal import staticfiles

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def trees(tmp_path, settings, monkeypatch):
    own, package, out = tmp_path / "own", tmp_path / "site-packages" / "pkg" / "static", tmp_path / "out"
    (own / "css").mkdir(parents=True)
    (package / "pkg" / "fonts").mkdir(parents=True)
    (own / "css" / "logo.png").write_bytes(PNG)
    (own / "css" / "site.css").write_text("body { background: url('logo.png'); }\n")
    (package / "pkg" / "fonts" / "shipped.woff2").write_bytes(b"wOF2" + b"\0" * 32)
    (package / "pkg" / "fonts" / "fonts.css").write_text(
        "@font-face { src: url('./shipped.woff2') format('woff2'); }\n"
        "@font-face { src: url('./NotShipped.woff2') format('woff2'), url('./NotShipped.woff') format('woff'); }\n"
    )
    settings.STATIC_ROOT = str(out)
    settings.STATICFILES_DIRS = [str(own), str(package)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "portal.staticfiles.NodeStaticFilesStorage"}}
    monkeypatch.setattr(staticfiles, "_package_roots", lambda: (tmp_path / "site-packages",))
    return {"own": own, "package": package, "out": out}


def _manifest(out):
    return json.loads((out / "staticfiles.json").read_text())["paths"]


def test_package_css_naming_files_it_does_not_ship_is_collected_and_the_manifest_written(trees, caplog):
    call_command("collectstatic", interactive=False, verbosity=0)

    paths = _manifest(trees["out"])
    assert paths["css/site.css"].startswith("css/site.") and paths["css/site.css"] != "css/site.css"
    assert "pkg/fonts/fonts.css" in paths
    collected = (trees["out"] / paths["pkg/fonts/fonts.css"]).read_text()
    assert f'url("./{paths["pkg/fonts/shipped.woff2"].rsplit("/", 1)[1]}")' in collected  # shipped: hashed
    assert "url('./NotShipped.woff2')" in collected and "url('./NotShipped.woff')" in collected  # as written
    assert staticfiles_storage.url("css/site.css") == "/static/" + paths["css/site.css"]
    warning = next(r.getMessage() for r in caplog.records if r.name == "portal.staticfiles")
    assert "pkg/fonts/fonts.css" in warning and "2 files" in warning and "./NotShipped.woff2" in warning


def test_our_own_css_naming_a_missing_file_still_fails_collectstatic(trees):
    (trees["own"] / "css" / "site.css").write_text("body { background: url('missing.png'); }\n")

    with pytest.raises(ValueError, match="missing.png"):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert not (trees["out"] / "staticfiles.json").exists()


def test_a_template_naming_a_file_that_was_not_collected_fails_loudly(trees):
    call_command("collectstatic", interactive=False, verbosity=0)

    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        staticfiles_storage.url("css/not-there.css")
