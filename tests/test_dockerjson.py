"""Docker's json-file records (:mod:`iolog.core.dockerjson`), against a plain reading of docker's writer.

The reference below follows docker's ``ffjsonWriteJSONBytesAsString`` one
byte (or one UTF-8 character, as Go's ``utf8.DecodeRune`` reads it) at a
time; the module's bulk and regex paths must write the same bytes for any
input. The examples are those of docker's own test of its writer.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from iolog import format_docker_time
from iolog.core.dockerjson import attrs_field, json_record, json_records, json_string

T0 = 1_795_600_800_123_456_789  # 2026-11-25T10:00:00.123456789Z


def _go_decode_rune(data: bytes, at: int) -> tuple[int | None, int]:
    """Go's ``utf8.DecodeRune``: the character at ``at`` and its size, or (None, 1) if invalid."""
    lead = data[at]
    size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
    if size:
        try:
            return ord(data[at : at + size].decode("utf-8")), size
        except UnicodeDecodeError:
            pass
    return None, 1


def _go_text(data: bytes) -> str:
    """The text a JSON reader gets back: each byte that is not UTF-8 one U+FFFD."""
    chars = []
    at = 0
    while at < len(data):
        if data[at] < 0x80:
            chars.append(chr(data[at]))
            at += 1
            continue
        char, size = _go_decode_rune(data, at)
        chars.append("\ufffd" if char is None else chr(char))
        at += size
    return "".join(chars)


def _docker_string(data: bytes) -> bytes:
    """Docker's writer, byte by byte (jsonlog/jsonlogbytes.go)."""
    out = bytearray(b'"')
    at = 0
    while at < len(data):
        byte = data[at]
        if byte < 0x80:
            if byte >= 0x20 and byte not in b'\\"<>&':
                out.append(byte)
            elif byte in b'\\"':
                out += b"\\" + bytes([byte])
            elif byte == 0x0A:
                out += b"\\n"
            elif byte == 0x0D:
                out += b"\\r"
            else:
                out += b"\\u00%02x" % byte
            at += 1
            continue
        char, size = _go_decode_rune(data, at)
        if char is None:
            out += b"\\ufffd"
        elif char in (0x2028, 0x2029):
            out += b"\\u%04x" % char
        else:
            out += data[at : at + size]
        at += size
    return bytes(out + b'"')


_ATOMS = [b"a", b" ", b"\n", b"\r", b"\t", b"\x00", b"\x1b", b"\x7f", b'"', b"\\", b"<", b">", b"&",
          b"\xff", b"\xc3", b"\xa9", b"\xe2\x80\xa8", b"\xe2\x80", b"\xed\xa0\x80", b"\xf0\x9f\xa6\x80",
          b"\xf4\x90\x80\x80", b"\xc0\xaf", "é".encode(), "日".encode(), "\ufffd".encode()]
byte_strings = st.one_of(st.binary(max_size=80), st.lists(st.sampled_from(_ATOMS), max_size=30).map(b"".join))


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(byte_strings)
def test_strings_are_escaped_as_docker_escapes_them(data):
    assert json_string(data) == _docker_string(data)
    assert json.loads(json_string(data)) == _go_text(data)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(byte_strings, st.integers(0, 1), st.integers(0, 2**62)), max_size=12),
       st.booleans(), st.booleans())
def test_records_in_bulk_are_the_records_one_by_one(lines, with_attrs, newline):
    if newline:
        lines = [(text.replace(b"\n", b"") + b"\n", stream, stamp) for text, stream, stamp in lines]
    attrs = [attrs_field({"source": f"s{stream}"}) for _, stream, _ in lines] if with_attrs else None
    texts, streams, stamps = [t for t, _, _ in lines], bytes(s for _, s, _ in lines), [n for _, _, n in lines]
    got = json_records(texts, streams, stamps, attrs)
    expected = b"".join(
        json_record(text, stream, stamp, {"source": f"s{stream}"} if with_attrs else None)
        for text, stream, stamp in lines
    )
    assert got == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(byte_strings, st.integers(0, 1), st.integers(0, 2**62))
def test_a_record_is_docker_json(text, stream, stamp):
    record = json_record(text, stream, stamp, {"source": "web"})
    assert record.endswith(b"}\n") and record.count(b"\n") == 1
    parsed = json.loads(record)
    assert list(parsed) == (["log"] if text else []) + ["stream", "attrs", "time"]
    assert parsed["stream"] == ("stdout", "stderr")[stream]
    assert parsed["attrs"] == {"source": "web"}
    assert parsed["time"] == format_docker_time(stamp)
    if text:
        assert record.startswith(b'{"log":' + _docker_string(text) + b',"stream":')


def test_dockers_own_examples():
    # From moby's jsonlogbytes_test.go.
    assert json_string(b'"A log line with \\\\"') == b'"\\"A log line with \\\\\\\\\\""'
    assert json_string(b"A log line with \r") == b'"A log line with \\r"'
    assert json_string(b"A log line with & < >") == b'"A log line with \\u0026 \\u003c \\u003e"'
    utf8 = "A log line with utf8 : 🚀 ψ ω β"
    assert json_string(utf8.encode()) == f'"{utf8}"'.encode()
    assert json_string("\u2028 \u2029".encode()) == b'"\\u2028 \\u2029"'
    assert json_string(b"\xaf") == b'"\\ufffd"'
    assert json_string(b"\x7f") == b'"\x7f"'
    assert json_record(b"A log line", 0, T0, {"hello": "world"}) == (
        b'{"log":"A log line","stream":"stdout","attrs":{"hello":"world"},'
        b'"time":"2026-11-25T10:00:00.123456789Z"}\n'
    )


def test_record_shapes():
    assert json_record(b"hello\n", 1, T0) == (
        b'{"log":"hello\\n","stream":"stderr","time":"2026-11-25T10:00:00.123456789Z"}\n'
    )
    assert json_record(b"", 0, T0) == b'{"stream":"stdout","time":"2026-11-25T10:00:00.123456789Z"}\n'
    assert json_record(b"cut by damage", 0, T0).startswith(b'{"log":"cut by damage",')
    # attrs as Go's encoding/json writes a map: keys sorted, TAB as \t.
    assert attrs_field({"source": "a\tb<", "a": "1"}) == b'"attrs":{"a":"1","source":"a\\tb\\u003c"},'
    assert json_record(b"x\tz\n", 0, T0).startswith(b'{"log":"x\\u0009z\\n"')
