"""Links to the outside world: the one check every URL the archive stores or renders goes through.

A meeting's source URL comes from the ingest command's options, a sidecar JSON, the admin's
forms and (later) manifests and imports; each calls `safe_url()`, and templates render a stored
one through the `safe_url` filter, so a `javascript:` link stored before the check never becomes
a link either.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

SCHEMES = ("http", "https")
# Meeting.source_url's length.
MAX_LENGTH = 500
# Browsers drop tabs and line breaks inside a URL ("java\tscript:" runs), and no well-formed
# URL holds a space or a control character.
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f]")
_well_formed = URLValidator(schemes=list(SCHEMES))


class UnsafeURL(ValueError):
    """A URL the archive will not store or link to, with a message fit for whoever gave it."""


def safe_url(value: str) -> str:
    """The URL, stripped of surrounding spaces, if it is an absolute http(s) URL; "" stays "".
    Anything else raises `UnsafeURL`."""
    url = (value or "").strip()
    if not url:
        return ""
    shown = url if len(url) <= 80 else f"{url[:77]}..."
    if len(url) > MAX_LENGTH:
        raise UnsafeURL(f"The URL {shown!r} is longer than {MAX_LENGTH} characters.")
    if UNSAFE_CHARACTERS.search(url):
        raise UnsafeURL(f"The URL {shown!r} contains spaces or control characters.")
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # a malformed IPv6 host, say
        raise UnsafeURL(f"The URL {shown!r} is not a valid web address.") from None
    if scheme not in SCHEMES:
        raise UnsafeURL(f"The URL {shown!r} must start with http:// or https://.")
    try:
        _well_formed(url)
    except ValidationError:
        raise UnsafeURL(f"The URL {shown!r} is not a valid web address.") from None
    return url


def validate_safe_url(value: str) -> None:
    """`safe_url()` as a Django validator, for model and form fields."""
    try:
        safe_url(value)
    except UnsafeURL as error:
        raise ValidationError(str(error), code="unsafe_url") from None


def safe_url_or_blank(value: str) -> str:
    """A stored URL fit to link or cite, or "" for one that is not (stored before the check)."""
    try:
        return safe_url(value)
    except UnsafeURL:
        return ""
