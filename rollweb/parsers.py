"""The API's JSON parser: bounded in size and depth, and every body it cannot read is a 400.

Kept apart from rollweb.api because DRF imports the parser classes named in its settings while
rest_framework.views is being imported, and rollweb.api imports that module.
"""

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

# No request of the API nests deeper than a few levels; deeper bodies are refused before any code
# walks them (Python's decoder itself fails at about a thousand levels, below its recursion limit).
MAX_JSON_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def content_length(request):
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing with a 400 what it or the code after it could choke on: bodies
    over DATA_UPLOAD_MAX_MEMORY_SIZE (413; DRF would read any size into memory), nesting past
    MAX_JSON_DEPTH or the recursion limit, and strings that cannot be stored or sent back as UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None and content_length(request) > limit:
            raise PayloadTooLarge(f"A JSON body may be at most {limit:,} bytes.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        json_check(data)
        return data


def json_check(data):
    """Walks parsed JSON without recursing: ParseError when it nests deeper than MAX_JSON_DEPTH
    or holds a string with a lone surrogate (valid JSON, but no UTF-8 for it exists)."""
    if isinstance(data, str):
        _check_text(data)
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(node, dict):
            _check_text("".join(node))
            node = node.values()
        # A container's strings are encoded together: one call for a sync check's 5,000 hashes.
        try:
            text = "".join(node)
        except TypeError:  # not strings alone
            _check_text("".join(child for child in node if isinstance(child, str)))
            stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
        else:
            _check_text(text)


def _check_text(text):
    try:
        text.encode()
    except UnicodeEncodeError:
        raise exceptions.ParseError("JSON parse error - a string holds a lone surrogate (\\ud800–\\udfff).") from None
