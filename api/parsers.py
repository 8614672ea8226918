"""DRF's parsers behind a size check on the declared body length, so an oversized body is refused (413) before any
of it is read. Django caps form fields itself (DATA_UPLOAD_MAX_MEMORY_SIZE) but neither JSON bodies nor the total
of uploaded files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers

from api.exceptions import PayloadTooLarge


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


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        return super().parse(stream, media_type, parser_context)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        return super().parse(stream, media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _check_length(parser_context, self.media_type)
        return super().parse(stream, media_type, parser_context)
