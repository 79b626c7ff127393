"""infra.translation_fallbacks: the merged fallback catalogue answers every message as the chain did."""

import gettext as gettext_module

from django.utils.translation import trans_real

from infra.translation_fallbacks import MergedFallbacks, fallbacks_merge


def chain_of(translation) -> list:
    chain, fallback = [], translation._fallback
    while fallback is not None:
        chain.append(fallback)
        fallback = fallback._fallback
    return chain


def test_the_chinese_fallback_chain_becomes_one_catalogue_with_the_same_answers():
    translation = trans_real.DjangoTranslation("zh-hans")  # built afresh, as Django builds it
    chain = chain_of(translation)
    assert len(chain) > 1  # the apps' "zh" catalogues, one behind the other
    messages = {key for item in chain for key in item._catalog if isinstance(key, str) and key}
    messages |= {"这是站点自己的中文原文", "Password", "Log in"}
    plurals = {key[0] for item in chain for key in item._catalog if isinstance(key, tuple)}
    before = {message: translation.gettext(message) for message in messages}
    before_plural = {message: [translation.ngettext(message, message, n) for n in (1, 2, 5)] for message in plurals}

    assert fallbacks_merge(translation) == len(chain)

    assert [type(item) for item in chain_of(translation)] == [MergedFallbacks]
    assert {message: translation.gettext(message) for message in messages} == before
    assert {message: [translation.ngettext(message, message, n) for n in (1, 2, 5)] for message in plurals} == (
        before_plural
    )
    assert translation.gettext("Password") == "密码"


def test_a_chain_with_different_plural_formulas_is_left_alone():
    first, second = gettext_module.GNUTranslations(), gettext_module.GNUTranslations()
    for item, plural in ((first, lambda n: 0), (second, lambda n: int(n != 1))):
        item._catalog, item.plural, item._info, item._charset = {}, plural, {}, "utf-8"
    head = gettext_module.NullTranslations()
    head.add_fallback(first)
    head.add_fallback(second)
    assert fallbacks_merge(head) == 0 and chain_of(head) == [first, second]
