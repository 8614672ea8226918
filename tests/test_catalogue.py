"""The Chinese catalogue is complete, keeps every placeholder, and the compiled file matches it."""

import re
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def test_every_entry_is_translated_and_keeps_its_placeholders():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [e.msgid for e in po if not e.translated()]
    assert untranslated == []
    for entry in po:
        translated = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(translated)), entry.msgid


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in mo}
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in po.translated_entries()}
    assert compiled == source


def test_the_product_speaks_chinese_by_default():
    from workflows.machine import TicketState

    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(TicketState.RECTIFYING.label) == "整改中"
    with translation.override("en"):
        assert str(TicketState.RECTIFYING.label).startswith("Rectifying")
