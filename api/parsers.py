"""DRF's parsers behind a size check on the declared body length, so an oversized body is refused (413) before any
of it is read. Django caps form fields itself (DATA_UPLOAD_MAX_MEMORY_SIZE) but neither JSON bodies nor the total
of uploaded files.

A JSON body is also held to tracker.bounds before it is decoded: no deeper than MAX_BODY_DEPTH (Python's decoder
recurses once per level, so a body of a few kilobytes of brackets would otherwise overflow the stack), and with no
text a column cannot store (NUL, which PostgreSQL refuses in text and jsonb, and lone surrogates, which only a JSON
escape can produce and no UTF-8 connection can send).
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from api.exceptions import PayloadTooLarge
from tracker import bounds


def max_body_bytes(media_type: str) -> int:
    if media_type.startswith("multipart/"):
        return settings.API_MAX_FILES * settings.EVIDENCE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _check_length(parser_context: dict[str, Any] | None, media_type: str) -> None:
    request = (parser_context or {}).get("request")
    if request is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body_bytes(media_type):
        raise PayloadTooLarge()


def _strings(document: Any) -> Any:
    """Every string of a decoded body, keys included (a loop, not recursion: the depth is bounded but needn't be)."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        encoding = parsers.get_encoding(parser_context or {})
        raw = stream.read() if stream is not None else b""
        if len(raw) > max_body_bytes(self.media_type):  # a body sent without a length, or longer than declared
            raise PayloadTooLarge()
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        if bounds.body_depth_exceeded(text):
            raise ParseError(
                _("The body nests deeper than %(depth)s levels.") % {"depth": bounds.MAX_BODY_DEPTH},
                code="too_deep",
            )
        try:
            document = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        if any(bounds.unstorable_text(s) for s in _strings(document)):
            raise ParseError(_("The body holds text that cannot be stored (NUL or an unpaired surrogate)."))
        return document


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        return super().parse(stream, media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        return super().parse(stream, media_type, parser_context)
