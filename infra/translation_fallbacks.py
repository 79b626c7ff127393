"""One merged fallback catalogue per language instead of a chain of them.

Django builds a language's translation from every installed app's catalogue; for ``zh-hans`` Python's
gettext also finds each app's ``zh`` catalogue, and Django chains those as fallbacks, one behind the
other (eleven in this project). The site's own strings are Chinese msgids with no ``zh-hans`` entry,
so every ``{% translate %}`` of the Chinese site missed in each catalogue in turn, evaluating each
one's plural formula on the way: ~40 µs a string, 18 % of the CPU of a ``/select/`` page (245
strings). ``fallbacks_merge`` replaces such a chain of plain catalogues with one dictionary holding,
for every message, the translation the chain would have returned first. The chain is merged only
when every catalogue in it has the same plural formula (so ``ngettext`` picks the same form).
"""

import gettext as gettext_module

from django.conf import settings
from django.utils.translation import trans_real

PLURAL_PROBES = range(0, 120)


class MergedFallbacks(gettext_module.GNUTranslations):
    """A chain of fallback catalogues as one (what the first of them that knows a message says)."""

    def __init__(self, chain: list[gettext_module.GNUTranslations]):
        super().__init__()  # no file: the catalogue is filled below
        self._catalog = {}
        for translation in chain:
            for key, value in translation._catalog.items():
                self._catalog.setdefault(key, value)
        first = chain[0]
        self.plural = first.plural
        self._info = dict(first._info)
        self._charset = first._charset
        self.chain_length = len(chain)


def _plurals(translation) -> list[int]:
    return [translation.plural(n) for n in PLURAL_PROBES]


def fallbacks_merge(translation) -> int:
    """Merge ``translation``'s chain of fallbacks into one where that keeps every lookup's answer;
    returns the number of catalogues merged (0: left as it was)."""
    chain = []
    fallback = translation._fallback
    while fallback is not None:
        chain.append(fallback)
        fallback = fallback._fallback
    if len(chain) < 2 or any(type(item) is not gettext_module.GNUTranslations for item in chain):
        return 0
    if any(_plurals(item) != _plurals(chain[0]) for item in chain[1:]):
        return 0
    translation._fallback = MergedFallbacks(chain)
    return len(chain)


def translations_prepare() -> dict[str, int]:
    """Load the site's languages now and merge their fallback chains (from ``AppConfig.ready``)."""
    return {code: fallbacks_merge(trans_real.translation(code)) for code, _name in settings.LANGUAGES}
