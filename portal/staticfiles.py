"""The production static files storage: hashed names and a strict manifest, compressed by whitenoise.

``CompressedManifestStaticFilesStorage`` rewrites every ``url(...)`` in collected CSS to the hashed
name of the file it points at, and stops ``collectstatic`` (no manifest written, so every page that
uses ``{% static %}`` then answers 500) at the first reference to a file that does not exist.
Some installed packages ship CSS that points at files they do not ship: viewflow 2.4 carries
``roboto-fontface.css`` without the Roboto font files it names (the npm package's ``fonts/``
folder was left out of the wheel). Our pages never load that CSS, and no deployment can make the
package's missing files appear.

``NodeStaticFilesStorage`` keeps everything strict for the project's own files and relaxes exactly
one thing for files that come from installed packages:

- a reference from a package's CSS/JS to a file the package does not ship is left as written
  (the same URL the file has in development, answering 404 there as here) and logged as a warning
  naming the file and the reference, instead of failing the whole deployment;
- the same dangling reference in a file of our own (``frontend/static`` or a project app's
  ``static/``) still fails ``collectstatic``, as does anything else that goes wrong;
- ``manifest_strict`` stays on: ``{% static "x" %}`` for a file missing from the manifest raises,
  so a template naming a file that was not collected fails loudly instead of linking to nothing.

Which files are "from a package" is decided by where the finder found them: a source storage whose
directory lies inside the interpreter's site-packages (``sysconfig`` purelib/platlib).
"""

import logging
import posixpath
import sysconfig
from pathlib import Path
from urllib.parse import unquote, urldefrag

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


def _package_roots() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    return tuple({Path(paths[key]).resolve() for key in ("purelib", "platlib") if paths.get(key)})


def is_package_location(location: str | Path | None) -> bool:
    """Whether a finder's source directory belongs to an installed package (not to this project)."""
    if not location:
        return False
    resolved = Path(location).resolve()
    return any(resolved.is_relative_to(root) for root in _package_roots())


class NodeStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._package_files: set[str] = set()
        self.dangling_references: list[tuple[str, str]] = []

    def post_process(self, paths, dry_run=False, **options):
        self._package_files = {
            self.clean_name(name)
            for name, (source, _path) in paths.items()
            if is_package_location(getattr(source, "location", None))
        }
        self.dangling_references = []
        yield from super().post_process(paths, dry_run=dry_run, **options)
        by_file: dict[str, set[str]] = {}
        for name, reference in self.dangling_references:
            by_file.setdefault(name, set()).add(reference)
        for name, references in sorted(by_file.items()):
            logger.warning(
                "%s (an installed package's file) references %d files the package does not ship, left as written: %s",
                name,
                len(references),
                ", ".join(sorted(references)),
            )

    def url_converter(self, name, hashed_files, template=None):
        converter = super().url_converter(name, hashed_files, template)
        if self.clean_name(name) not in self._package_files:
            return converter  # our own file: a missing reference fails collectstatic

        def tolerant(matchobj):
            try:
                return converter(matchobj)
            except ValueError:
                if not self._target_missing(name, matchobj.group("url")):
                    raise
                self.dangling_references.append((self.clean_name(name), matchobj.group("url")))
                return matchobj.group("matched")

        return tolerant

    def _target_missing(self, name: str, url: str) -> bool:
        """The referenced file is absent from what was collected (the only error tolerated)."""
        path = urldefrag(url)[0].split("?", 1)[0]
        if path.startswith(settings.STATIC_URL):
            target = path.removeprefix(settings.STATIC_URL)
        else:
            target = posixpath.join(posixpath.dirname(self.clean_name(name)), path)
        return not self.exists(posixpath.normpath(unquote(target)))
