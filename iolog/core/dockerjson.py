"""Docker's json-file log records, byte for byte, for log shippers.

This module owns the text of ``iolog cat --format json``: one record per
logical line, as docker's json-file logging driver writes them, so that a
shipper's docker parser (Fluent Bit, Vector, Promtail) reads them unchanged::

    {"log":"hello\\n","stream":"stdout","time":"2026-11-25T10:00:00.123456789Z"}

The keys come in docker's order (``log``, ``stream``, ``attrs``, ``time``),
without spaces, one record a line. ``log`` is left out when the line is
empty, as docker does. Strings are escaped as docker's json-file writer
(``jsonlog.JSONLogs.MarshalJSONBuf``) escapes them:

- ``"`` and ``\\`` with a backslash; ``\\n`` and ``\\r`` as such; every other
  byte below 0x20 (TAB too) as ``\\u00XX``;
- ``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` (Go's HTML-safe
  escaping), U+2028 and U+2029 as ``\\u2028`` and ``\\u2029``;
- each byte that is not part of valid UTF-8 as ``\\ufffd`` (Go's
  ``utf8.DecodeRune`` reads an invalid byte as one U+FFFD and goes on with
  the next byte);
- everything else (DEL, other UTF-8) as it is.

``attrs`` is a JSON object of strings (docker writes it with Go's
``encoding/json``, which escapes TAB, backspace and form feed as ``\\t``,
``\\b``, ``\\f``; otherwise the same rules).

``time`` is the line's time (its first entry's) in UTC with nine fraction
digits and ``Z``, the text of ``iolog cat -t`` and ``docker logs -t``. Docker's
json-file writes Go's RFC3339Nano, which drops trailing zeros of the
fraction; every reader of docker's files parses RFC 3339 and takes both,
and the fixed width also suits parsers given a ``strptime`` format such as
Fluent Bit's ``%Y-%m-%dT%H:%M:%S.%L``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .format import format_docker_time

__all__ = ["attrs_field", "json_record", "json_records", "json_string"]

# Bytes that need more than copying: controls but LF, the escaped ASCII, non-ASCII.
_SPECIAL_BYTES = re.compile(rb'[\x00-\x09\x0b-\x1f"&<>\\\x80-\xff]')
# The same, in text (after surrogateescape decoding, a non-UTF-8 byte is a lone surrogate).
_SPECIAL_CHARS = re.compile('[\x00-\x1f"&<>\\\\\u2028\u2029\udc80-\udcff]')
_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_GO_SHORT = {**_SHORT, "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_STREAM_NAMES = (b"stdout", b"stderr")


def _escape_char(char: str, short: Mapping[str, str]) -> str:
    escaped = short.get(char)
    if escaped is not None:
        return escaped
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return "\\ufffd"  # a byte that is not UTF-8
    return f"\\u{code:04x}"


def json_string(data: bytes, *, go_json: bool = False) -> bytes:
    """``data`` as a JSON string (quotes included), escaped as docker escapes a log line.

    Args:
        data: any bytes.
        go_json: escape as Go's ``encoding/json`` does (``attrs``): TAB,
            backspace and form feed as ``\\t``, ``\\b``, ``\\f``.

    Returns:
        ASCII quotes around UTF-8 text.
    """
    if _SPECIAL_BYTES.search(data) is None:
        return b'"' + data.replace(b"\n", b"\\n") + b'"'
    short = _GO_SHORT if go_json else _SHORT
    text = data.decode("utf-8", "surrogateescape")
    escaped = _SPECIAL_CHARS.sub(lambda match: _escape_char(match.group(), short), text)
    return b'"' + escaped.encode("utf-8") + b'"'


def _attrs_text(attrs: Mapping[str, str] | None) -> bytes:
    if not attrs:
        return b""
    fields = b",".join(
        json_string(key.encode("utf-8", "surrogateescape"), go_json=True)
        + b":"
        + json_string(value.encode("utf-8", "surrogateescape"), go_json=True)
        for key, value in sorted(attrs.items())  # Go writes a map's keys sorted
    )
    return b'"attrs":{' + fields + b"},"


def json_record(log: bytes, stream: int, timestamp_ns: int, attrs: Mapping[str, str] | None = None) -> bytes:
    """One docker json-file record (with its ending newline).

    Args:
        log: the line's bytes (with its ``\\n`` when it has one).
        stream: 0 for stdout, 1 for stderr.
        timestamp_ns: the line's time, unix ns.
        attrs: extra string attributes (``{"source": "web"}``), or none.
    """
    head = b'{"log":' + json_string(log) + b"," if log else b"{"
    return (
        head
        + b'"stream":"' + _STREAM_NAMES[stream] + b'",'
        + _attrs_text(attrs)
        + b'"time":"' + format_docker_time(timestamp_ns).encode("ascii") + b'"}\n'
    )


def json_records(
    texts: Sequence[bytes],
    streams: bytes,
    stamps: Sequence[int],
    attrs: Sequence[bytes] | None = None,
    time_texts: Sequence[bytes] | None = None,
) -> bytes:
    """Many records at once, the same bytes as :func:`json_record` for each line.

    Args:
        texts: the lines' bytes.
        streams: one byte per line, 0 or 1.
        stamps: the lines' times, unix ns.
        attrs: per line, its ``"attrs":{...},`` text (see :func:`attrs_field`),
            or ``None`` for no attributes.
        time_texts: per line, its time as :func:`~iolog.core.format.format_docker_time`
            writes it (encoded), if the caller has them already.

    Returns:
        The records, each ending in a newline.
    """
    if time_texts is None:
        time_texts = [format_docker_time(stamp).encode("ascii") for stamp in stamps]
    heads = _STREAM_HEADS
    joined = b"".join(texts)
    if (
        _SPECIAL_BYTES.search(joined) is None
        and joined.count(b"\n") == len(texts)
        and all(text[-1:] == b"\n" for text in texts)
    ):
        # Plain lines, each with its newline: no escaping but the last byte.
        if attrs is None:
            return b"".join(
                [b'{"log":"%s\\n",%s"time":"%s"}\n' % (text[:-1], heads[stream], when)
                 for text, stream, when in zip(texts, streams, time_texts, strict=True)]
            )
        return b"".join(
            [b'{"log":"%s\\n",%s%s"time":"%s"}\n' % (text[:-1], heads[stream], attr, when)
             for text, stream, attr, when in zip(texts, streams, attrs, time_texts, strict=True)]
        )
    records = []
    for number, text in enumerate(texts):
        head = b'{"log":' + json_string(text) + b"," if text else b"{"
        attr = attrs[number] if attrs is not None else b""
        records.append(head + heads[streams[number]] + attr + b'"time":"' + time_texts[number] + b'"}\n')
    return b"".join(records)


_STREAM_HEADS = (b'"stream":"stdout",', b'"stream":"stderr",')


def attrs_field(attrs: Mapping[str, str]) -> bytes:
    """The ``"attrs":{...},`` text of a record, to pass to :func:`json_records`."""
    return _attrs_text(attrs)

