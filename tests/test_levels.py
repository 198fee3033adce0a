"""A line's level (:mod:`iolog.core.levels`), against a plain reading of each shape.

Each test builds lines of one shape from random parts (prefixes, cases,
values, messages) and states the level and the span its simplest reading
gives: the word itself, the value of the key, klog's letter, syslog's
``<N>``. Prose (lower-case words in the middle of a sentence) has none;
any bytes at all never crash the detector, and whatever it finds is a
level word of the table where it says. ``iolog stat`` counts the levels of
exactly the reference lines.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iolog import Decoder
from iolog.core.levels import HEAD_BYTES, Level, LevelSpan, count_levels, detect_level, line_levels
from tests import faultlib
from tests.test_faults import faulted_cases
from tests.test_reading_paths import SETTINGS

# The table, stated apart from the code under test.
WORDS = {
    Level.FATAL: ["fatal", "panic", "dpanic", "emerg", "emergency", "alert", "crit", "critical"],
    Level.ERROR: ["error", "err", "severe"],
    Level.WARN: ["warn", "warning"],
    Level.INFO: ["info", "notice"],
    Level.DEBUG: ["debug", "fine"],
    Level.TRACE: ["trace", "verbose", "finer", "finest"],
}
ABBREVIATIONS = {"FTL": Level.FATAL, "PNC": Level.FATAL, "WRN": Level.WARN, "INF": Level.INFO,
                 "DBG": Level.DEBUG, "TRC": Level.TRACE}
LEVEL_OF = {word: level for level, words in WORDS.items() for word in words}
ALL_WORDS = set(LEVEL_OF) | {word.lower() for word in ABBREVIATIONS}
SYSLOG = [Level.FATAL] * 3 + [Level.ERROR, Level.WARN, Level.INFO, Level.INFO, Level.DEBUG]

level_words = st.sampled_from(sorted(LEVEL_OF))
# Prose: lower-case words that are no level, no key.
plain_words = st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda word: word not in ALL_WORDS and not any(key in word for key in ("level", "lvl", "severity"))
)
messages = st.lists(plain_words, max_size=8).map(" ".join)


def cased(word: str, style: str) -> str:
    return {"upper": word.upper(), "lower": word, "title": word.title()}[style]


def check(line: bytes, level: Level, word: bytes) -> None:
    found = detect_level(line)
    assert found is not None, line
    assert found.level == level, line
    assert line[found.start : found.end] == word, (line, found)


# -- words near the start --------------------------------------------------------------------------

timestamps = st.sampled_from([
    "", "2026-11-25T10:00:00Z ", "2026-11-25 10:00:00,123 ", "2026/11/25 10:00:00 ",
    "2026-11-25T10:00:00.000000001+05:30\t", "10:00:00.123 | ", "1795600800.5 ",
])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(timestamps, level_words, st.sampled_from(["upper", "lower", "title"]), st.sampled_from(" :\t|]"),
       messages)
def test_a_level_word_at_the_start_in_any_case(timestamp, word, style, after, message):
    text = cased(word, style)
    line = f"{timestamp}{text}{after}{message}\n".encode()
    check(line, LEVEL_OF[word], text.encode())


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(plain_words.map(lambda w: f"[{w}]"), max_size=3).map(" ".join), timestamps, level_words,
       st.sampled_from(["[{}]", "<{}>", "({})", "{}", "{}:", "| {} |"]), messages)
def test_a_level_word_in_capitals_or_in_brackets_after_other_things(things, timestamp, word, shape, message):
    prefix = f"{timestamp}{things} "
    for style in ("upper", "lower"):
        if style == "lower" and shape in ("{}", "{}:", "| {} |"):
            continue  # a lower-case word after other words is prose
        text = cased(word, style)
        line = f"{prefix}{shape.format(text)} {message}\n".encode()
        assume(len(line) > len(prefix) and line.find(text.encode()) < HEAD_BYTES)
        check(line, LEVEL_OF[word], text.encode())


@pytest.mark.parametrize(("abbreviation", "level"), sorted(ABBREVIATIONS.items()))
def test_three_letter_abbreviations_in_capitals_only(abbreviation, level):
    check(f"10:00AM {abbreviation} listening on :8080\n".encode(), level, abbreviation.encode())
    assert detect_level(f"{abbreviation.lower()} mode on\n".encode()) is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(plain_words, messages, level_words, messages)
def test_prose_has_no_level(first, middle, word, rest):
    # A lower-case level word in the middle of a sentence ("no error here") is prose.
    line = f"{first} {middle} {word} {rest}\n".encode()
    assert detect_level(line) is None


@pytest.mark.parametrize("line", [
    b"no error here\n", b"stack trace:\n", b"I think so\n", b"A test\n", b"GET /ERROR 500\n",
    b"ERROR_CODE=1\n", b"file.ERROR\n", b"   at com.example.Foo(Foo.java:12)\n", b"INFORMATION\n",
    b"inf loop\n",
    b"", b"\n", b"<192>x\n", b"<1000>x\n", b"D1125 10:00:00.000000 1 x.go:1] y\n", b"E11 10:00\n",
    b"x" * 150 + b" ERROR late\n",
])
def test_no_level(line):
    assert detect_level(line) is None


def test_a_word_in_capitals_past_the_head_is_no_level_but_a_key_is():
    assert detect_level(b"x" * HEAD_BYTES + b" ERROR\n") is None
    check(b"x" * 300 + b" level=error\n", Level.ERROR, b"error")


# -- logfmt and JSON -----------------------------------------------------------------------------

keys = st.sampled_from(["level", "lvl", "severity"])
values = st.one_of(
    level_words.flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()])),
)
pairs = st.lists(st.tuples(plain_words, plain_words), max_size=5)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(pairs, keys, values, st.booleans(), pairs)
def test_logfmt(before, key, value, quoted, after):
    shown = f'"{value}"' if quoted else value
    line = " ".join([*(f"{k}={v}" for k, v in before), f"{key}={shown}", *(f"{k}={v}" for k, v in after)])
    check((line + "\n").encode(), LEVEL_OF[value.lower()], value.encode())


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.dictionaries(plain_words, st.one_of(plain_words, st.integers(), st.booleans()), max_size=5),
       st.sampled_from(["level", "lvl", "severity", "levelname", "log.level"]),
       st.one_of(values, st.integers(0, 99)), st.integers(0, 5), st.sampled_from([None, ", ", ": "]))
def test_json(fields, key, value, position, separators):
    items = list(fields.items())
    items.insert(min(position, len(items)), (key, value))
    line = json.dumps(dict(items), separators=None if separators is None else (separators, ": ")).encode()
    if isinstance(value, int):
        if value < 8:
            level = SYSLOG[value]  # GELF's syslog severity
        else:  # pino and bunyan
            steps = [Level.TRACE, Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR]
            level = steps[value // 10] if value < 60 else Level.FATAL
        check(line + b"\n", level, str(value).encode())
    else:
        check(line + b"\n", LEVEL_OF[value.lower()], value.encode())


@pytest.mark.parametrize(("value", "level"), [
    (0, Level.FATAL), (2, Level.FATAL), (3, Level.ERROR), (4, Level.WARN), (6, Level.INFO), (7, Level.DEBUG),
    (10, Level.TRACE), (20, Level.DEBUG), (30, Level.INFO), (40, Level.WARN), (50, Level.ERROR),
    (60, Level.FATAL), (99, Level.FATAL),
])
def test_json_numbers_are_syslog_severities_or_pino_levels(value, level):
    check(b'{"level":%d}\n' % value, level, b"%d" % value)


def test_a_json_line_is_read_by_its_key_only():
    check(b'{"msg":"ERROR in handler","level":"info"}\n', Level.INFO, b"info")
    assert detect_level(b'{"msg":"ERROR in handler"}\n') is None
    assert detect_level(b'{"level":"default"}\n') is None  # a value of no level


# -- klog and syslog -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from("IWEF"), st.integers(1, 12), st.integers(1, 31), st.integers(0, 23),
       st.integers(0, 59), st.integers(0, 999999), st.integers(1, 99999), messages)
def test_klog(letter, month, day, hour, minute, micros, pid, message):
    when = f"{month:02d}{day:02d} {hour:02d}:{minute:02d}:00.{micros:06d}"
    line = f"{letter}{when} {pid} main.go:12] {message}\n"
    check(line.encode(), {"I": Level.INFO, "W": Level.WARN, "E": Level.ERROR, "F": Level.FATAL}[letter],
          letter.encode())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(0, 191), st.sampled_from(["", " ", "\t"]), st.binary(max_size=40))
def test_syslog_priority(priority, blank, rest):
    line = blank.encode() + b"<%d>" % priority + rest
    check(line, SYSLOG[priority % 8], b"<%d>" % priority)


# -- anything ------------------------------------------------------------------------------------


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from([b"ERROR", b"warn", b"[", b"]", b"<", b">", b"level", b"=", b'"', b":", b" ",
                              b"{", b"\t", b"E1125 10:00:00", b"<3>", b"x", b"\xff", b"\n", b"lvl", b"30"]),
             max_size=30).map(b"".join),
))
def test_anything_is_read_without_error_and_a_found_level_is_where_it_says(line):
    found = detect_level(line)
    assert line_levels([line]) == [found]
    if found is None:
        assert count_levels([line]) == {None: 1}
        return
    assert isinstance(found, LevelSpan) and 0 <= found.start < found.end <= len(line)
    assert count_levels([line]) == {found.level: 1}
    word = line[found.start : found.end].decode("latin-1")
    if word.isdigit():
        return  # a JSON number
    if word.startswith("<"):
        assert SYSLOG[int(word[1:-1]) % 8] == found.level
    elif len(word) == 1:
        assert word in "IWEF"  # klog's letter
    elif word.upper() in ABBREVIATIONS:
        assert ABBREVIATIONS[word.upper()] == found.level
    else:
        assert LEVEL_OF[word.lower()] == found.level


def test_examples_of_common_loggers():
    examples = [
        (b"2026-11-25 10:00:00.123 [http-nio-8080-exec-1] ERROR c.e.Foo - failed\n", Level.ERROR, b"ERROR"),
        (b"2026-11-25 10:00:00.123 | WARNING  | app:main:12 - slow\n", Level.WARN, b"WARNING"),
        (b"ERROR:root:boom\n", Level.ERROR, b"ERROR"),
        (b"2026-11-25T10:00:00.000Z\tinfo\tapp/main.go:12\tstarted\n", Level.INFO, b"info"),
        (b"2026/11/25 10:00:00 [error] 29#29: *1 connect() failed\n", Level.ERROR, b"error"),
        (b"[2026-11-25T10:00:00Z DEBUG my_app] tick\n", Level.DEBUG, b"DEBUG"),
        (b'time="2026-11-25T10:00:00Z" level=warning msg="disk"\n', Level.WARN, b"warning"),
        (b'{"level":"error","ts":1795600800.1,"caller":"main.go:1","msg":"x"}\n', Level.ERROR, b"error"),
        (b'{"severity":"CRITICAL","message":"x"}\n', Level.FATAL, b"CRITICAL"),
        (b'{"level":30,"time":1795600800000,"msg":"hi"}\n', Level.INFO, b"30"),
        (b"E1125 10:00:00.123456       1 controller.go:42] sync failed\n", Level.ERROR, b"E"),
        (b"<4>kernel: low memory\n", Level.WARN, b"<4>"),
        (b"Error: Cannot find module 'x'\n", Level.ERROR, b"Error"),
        (b"warning: deprecated\n", Level.WARN, b"warning"),
        (b"E, [2026-11-25T10:00:00.123456 #1] ERROR -- : failed\n", Level.ERROR, b"ERROR"),
        (b"10:00AM WRN retrying attempt=3\n", Level.WARN, b"WRN"),
        (b"2026-11-25T10:00:00.123Z  INFO 1 --- [main] c.e.App : Started\n", Level.INFO, b"INFO"),
        (b"2026-11-25 10:00:00.123 [http-nio-8080-exec-10 worker pool thread] WARN c.e.Foo - slow\n",
         Level.WARN, b"WARN"),
    ]
    for line, level, word in examples:
        check(line, level, word)


# -- iolog stat ----------------------------------------------------------------------------------


@SETTINGS
@given(faulted_cases())
def test_stat_counts_the_levels_of_the_reference_lines(tmp_path_factory, case):
    from iolog.cli.stat import count_file

    path = tmp_path_factory.mktemp("levels") / "app.log"
    path.write_bytes(case.data)
    decoder = Decoder()
    lines = faultlib.reference_lines(decoder.feed(case.data) + decoder.close())
    expected = count_levels(line.message for line in lines)
    report = count_file(str(path), levels=True).report(str(path), len(case.data))
    got = {level: report[f"level_{level.name.lower()}"] for level in Level}
    got[None] = report["level_none"]
    assert {k: v for k, v in got.items() if v} == expected
    assert sum(got.values()) == len(lines)
