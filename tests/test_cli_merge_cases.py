"""``iolog cat A B C``: the cases issue 15 names, each with its output written out in full.

Clock jumps in one log (each log keeps its file order; the merge never
reorders a log's own lines), ties (the log given first), logs that start
and end at different times (with ``--since``/``--until``/``--tail`` per
log), and ``--format json`` of several logs (``attrs.source``, invalid
UTF-8 as docker escapes it).
"""

from __future__ import annotations

import json
from pathlib import Path

from iolog import Stream
from tests.test_cli_many import T0, S, iolog, make_log


def test_a_clock_jump_in_one_log_keeps_its_order_and_merges_greedily(tmp_path: Path) -> None:
    # "jumpy" steps back 8 s after its second line (an NTP correction), then forward again.
    jumpy = make_log(tmp_path / "jumpy.log", [
        (T0 + 10 * S, Stream.STDOUT, b"j1\n"),
        (T0 + 20 * S, Stream.STDOUT, b"j2\n"),
        (T0 + 12 * S, Stream.STDERR, b"j3 after the step back\n"),
        (T0 + 30 * S, Stream.STDOUT, b"j4\n"),
    ])
    steady = make_log(tmp_path / "steady.log", [
        (T0 + 11 * S, Stream.STDOUT, b"s1\n"),
        (T0 + 15 * S, Stream.STDOUT, b"s2\n"),
        (T0 + 25 * S, Stream.STDOUT, b"s3\n"),
    ])
    shown = iolog("cat", "-t", "--stream", "all", str(jumpy), str(steady))
    assert shown.returncode == 0, shown.stderr
    # Greedy: the smallest head first. j3 (12 s) waits behind j2 (20 s) in its own log, so s2
    # (15 s) comes before j2, and j3 right after j2, before s3 (25 s).
    assert shown.stdout.decode() == (
        "jumpy  | 2026-11-25T10:00:10.000000000Z j1\n"
        "steady | 2026-11-25T10:00:11.000000000Z s1\n"
        "steady | 2026-11-25T10:00:15.000000000Z s2\n"
        "jumpy  | 2026-11-25T10:00:20.000000000Z j2\n"
        "steady | 2026-11-25T10:00:25.000000000Z s3\n"
        "jumpy  | 2026-11-25T10:00:30.000000000Z j4\n"
    )
    assert shown.stderr.decode() == "jumpy  | 2026-11-25T10:00:12.000000000Z j3 after the step back\n"
    records = [json.loads(line) for line in iolog("cat", "--format", "json", str(jumpy), str(steady))
               .stdout.splitlines()]
    assert [record["log"] for record in records] == [
        "j1\n", "s1\n", "s2\n", "j2\n", "j3 after the step back\n", "s3\n", "j4\n"]
    # A window is each log's linear filter: j3 (12 s) is inside [11 s, 16 s), j2 (20 s) is not.
    window = iolog("cat", "--since", "1795600811", "--until", "1795600816", str(jumpy), str(steady))
    assert window.stdout == b"steady | s1\nsteady | s2\n"
    assert window.stderr == b"jumpy  | j3 after the step back\n"


def test_ties_go_to_the_log_given_first_in_every_form(tmp_path: Path) -> None:
    logs = [make_log(tmp_path / f"{name}.log", [(T0, Stream.STDOUT, f"{name} first\n".encode()),
                                                 (T0 + S, Stream.STDOUT, f"{name} second\n".encode())])
            for name in ("a", "b", "c")]
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        names = ["abc"[number] for number in order]
        given = [str(logs[number]) for number in order]
        text = iolog("cat", *given).stdout.decode().splitlines()
        assert text == [f"{name} | {name} {which}" for which in ("first", "second") for name in names]
        records = [json.loads(line) for line in iolog("cat", "--format", "json", *given).stdout.splitlines()]
        assert [record["attrs"]["source"] for record in records] == names * 2


def test_logs_that_start_and_end_at_different_times(tmp_path: Path) -> None:
    def log(name: str, seconds: range) -> str:
        lines = [(T0 + n * S, Stream.STDOUT, f"{name} {n}\n".encode()) for n in seconds]
        return str(make_log(tmp_path / f"{name}.log", lines))

    paths = [log("early", range(0, 5)), log("middle", range(2, 4)), log("late", range(4, 8))]
    assert iolog("cat", "--no-log-prefix", *paths).stdout.decode().split("\n")[:-1] == [
        "early 0", "early 1", "early 2", "middle 2", "early 3", "middle 3", "early 4", "late 4", "late 5",
        "late 6", "late 7",
    ]
    # --since past a log's end leaves it out; the others go on.
    since = iolog("cat", "--since", "1795600803", *paths).stdout.decode()
    assert since == ("early  | early 3\nmiddle | middle 3\nearly  | early 4\nlate   | late 4\n"
                     "late   | late 5\nlate   | late 6\nlate   | late 7\n")  # the tie at 3 s: early first
    until = iolog("cat", "--until", "1795600802", *paths).stdout.decode()
    assert until == "early  | early 0\nearly  | early 1\n"  # the prefix width is of every log given
    tail = iolog("cat", "--tail", "1", *paths).stdout.decode()
    assert tail == "middle | middle 3\nearly  | early 4\nlate   | late 7\n"
    assert iolog("cat", "--tail", "0", *paths).stdout == b""
    assert iolog("cat", "--tail", "-1", *paths).stdout == iolog("cat", *paths).stdout


def test_json_of_several_logs_names_each_and_escapes_as_docker(tmp_path: Path) -> None:
    web = make_log(tmp_path / "web" / "output.log", [
        (T0, Stream.STDOUT, b"GET /caf\xc3\xa9 200\n"),
        (T0 + 2 * S, Stream.STDERR, b"bad \xff\xfe bytes & <tags>\n"),
    ])
    db = make_log(tmp_path / "db" / "output.log", [
        (T0 + S, Stream.STDOUT, b"part one, "),
        (T0 + S + 1, Stream.STDOUT, b"part two\n"),
        (T0 + 3 * S, Stream.STDOUT, b"\n"),
    ])
    shown = iolog("cat", "--format", "json", str(web), str(db))
    assert shown.returncode == 0 and shown.stderr == b""
    assert shown.stdout == (
        b'{"log":"GET /caf\xc3\xa9 200\\n","stream":"stdout","attrs":{"source":"web"},'
        b'"time":"2026-11-25T10:00:00.000000000Z"}\n'
        b'{"log":"part one, part two\\n","stream":"stdout","attrs":{"source":"db"},'
        b'"time":"2026-11-25T10:00:01.000000000Z"}\n'
        b'{"log":"bad \\ufffd\\ufffd bytes \\u0026 \\u003ctags\\u003e\\n","stream":"stderr",'
        b'"attrs":{"source":"web"},"time":"2026-11-25T10:00:02.000000000Z"}\n'
        b'{"log":"\\n","stream":"stdout","attrs":{"source":"db"},"time":"2026-11-25T10:00:03.000000000Z"}\n'
    )
    for line in shown.stdout.splitlines():
        json.loads(line)
    one = iolog("cat", "--format", "json", str(web)).stdout
    assert b"attrs" not in one and len(one.splitlines()) == 2  # one log: no source to name


def test_one_log_as_docker_logs_does_it(tmp_path: Path) -> None:
    lines = [(T0 + n * S, Stream.STDOUT, b"line %d\n" % n) for n in range(3)]
    path = str(make_log(tmp_path / "app.log", lines))
    everything = iolog("cat", path)
    assert everything.stdout == b"line 0\nline 1\nline 2\n"
    assert iolog("logs", path).stdout == everything.stdout  # the alias
    assert iolog("logs", "--tail", "-1", path).stdout == everything.stdout  # docker: -1 is all
    assert iolog("cat", "--tail", "all", path).stdout == everything.stdout
    assert iolog("cat", "--tail", "1", path).stdout == b"line 2\n"
    bad = iolog("cat", "--tail", "x", path)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1 and b"Traceback" not in bad.stderr
