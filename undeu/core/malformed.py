"""What makes a request's bytes malformed: a NUL byte or invalid UTF-8 where text is expected.

A multipart/form-data body is looked at before Django parses it: Django's parser replaces invalid
UTF-8 in a field's value with U+FFFD, drops a part whose headers are not UTF-8 without a word,
and keeps NUL bytes in field and file names, so the raw body is the only place left where such
bytes can be seen. What a file contains is not text and is not looked at here: a picture is
checked by its content where it is taken (starting/images.py).
"""

import base64
import binascii
import contextlib
import re
from urllib.parse import unquote_to_bytes

from django.utils.http import parse_header_parameters

# An RFC 2231 / 5987 parameter (filename*=UTF-8''%D0%90.png): its value is percent-encoded bytes,
# which Django decodes replacing what is not UTF-8.
_EXTENDED_VALUE = re.compile(rb"\*\s*=\s*\"?[^'\";\r\n]*'[^'\";\r\n]*'([^;\"\r\n]*)")


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def has_forbidden_bytes(raw: bytes) -> bool:
    """A NUL byte, or bytes that are not UTF-8."""
    return b"\x00" in raw or not is_utf8(raw)


def malformed_multipart(body: bytes, boundary: bytes) -> bool:
    """A NUL byte or invalid UTF-8 in any part's headers (so in field and file names, also
    percent-encoded), or invalid UTF-8 in a field's value.

    A NUL byte in a value is left to the forms, as in a urlencoded body: they say which field it
    is in. Parts are split as Django's parser splits them, at every "--" + boundary.
    """
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):  # the closing delimiter: what follows is not read by Django
            break
        headers, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            continue  # no end of headers: Django skips such a part too
        if has_forbidden_bytes(headers) or any(
            has_forbidden_bytes(unquote_to_bytes(value))
            for value in _EXTENDED_VALUE.findall(headers)
        ):
            return True
        disposition, transfer_encoding = _part_headers(headers.decode())
        if disposition.get("filename"):  # a file, as Django decides it
            continue
        value = content.removesuffix(b"\n").removesuffix(b"\r")
        if transfer_encoding == "base64":
            # Undecodable, Django takes the value as it is.
            with contextlib.suppress(binascii.Error):
                value = base64.b64decode(value)
        if not is_utf8(value):
            return True
    return False


def _part_headers(text: str) -> tuple[dict[str, str], str]:
    """The Content-Disposition parameters and the Content-Transfer-Encoding of a part."""
    disposition, transfer_encoding = {}, ""
    for line in text.strip("\r\n").split("\r\n"):
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-disposition":
            # A header Django cannot parse (an unknown charset) it ignores: so do we.
            with contextlib.suppress(ValueError):
                disposition = parse_header_parameters(value)[1]
        elif name == "content-transfer-encoding":
            transfer_encoding = value.strip().lower()
    return disposition, transfer_encoding
