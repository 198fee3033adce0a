"""``iolog cat A B C``, ``iolog cat DIR`` and ``--format json``: merged logs and docker's records.

The simplest correct readings: each log's reference lines
(:func:`tests.faultlib.reference_lines` over one linear decode), merged by
the greedy merge (the smallest first-entry time first, the log given first
on a tie); one log read through the merge prints what ``iolog cat`` of that
log prints; a JSON record is :func:`iolog.core.dockerjson.json_record` of a
reference line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iolog import Decoder, Stream
from iolog.cli.cat import cat_command
from iolog.cli.common import CliError
from iolog.core.dockerjson import json_record
from iolog.core.format import encode_entry
from tests import faultlib
from tests.test_faults import faulted_cases
from tests.test_reading_paths import SETTINGS

T0 = 1_795_600_800 * 1_000_000_000  # 2026-11-25T10:00:00Z
S = 1_000_000_000


def iolog(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "iolog", *args], capture_output=True, timeout=timeout,
        env={**os.environ, "TZ": "UTC"},
    )


def make_log(path: Path, items: list[tuple[int, Stream, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(encode_entry(m, timestamp_ns=t, stream=s) for t, s, m in items))
    return path


@pytest.fixture
def vms(tmp_path: Path) -> Path:
    """Three container folders, as on a VIC datastore."""
    root = tmp_path / "vms"
    make_log(root / "3f2a9c" / "output.log", [
        (T0 + 1, Stream.STDOUT, b"worker starting\n"),
        (T0 + 5, Stream.STDERR, b"slow disk\n"),
        (T0 + 9, Stream.STDOUT, b"worker done\n"),
    ])
    make_log(root / "web" / "output.log", [
        (T0 + 2, Stream.STDOUT, b"GET / 200\n"),
        (T0 + 5, Stream.STDOUT, b"GET /x 404\n"),
        (T0 + 7, Stream.STDERR, b"boom\n"),
    ])
    make_log(root / "db-primary" / "output.log", [
        (T0 + 3, Stream.STDOUT, b"ready\n"),
        (T0 + 4, Stream.STDOUT, b"part one, "),
        (T0 + 6, Stream.STDERR, b"between\n"),
        (T0 + 8, Stream.STDOUT, b"part two\n"),
    ])
    (root / "empty-vm").mkdir()  # a container folder without its log yet
    return root


def test_a_folder_of_containers_merges_by_time_like_compose(vms: Path, tmp_path: Path) -> None:
    out = tmp_path / "both"
    shell = f"{sys.executable} -m iolog cat -t {vms} > {out} 2>&1"
    assert subprocess.run(["bash", "-c", shell], timeout=60).returncode == 0
    assert out.read_bytes().decode() == (
        "3f2a9c     | 2026-11-25T10:00:00.000000001Z worker starting\n"
        "web        | 2026-11-25T10:00:00.000000002Z GET / 200\n"
        "db-primary | 2026-11-25T10:00:00.000000003Z ready\n"
        "db-primary | 2026-11-25T10:00:00.000000004Z part one, part two\n"
        "3f2a9c     | 2026-11-25T10:00:00.000000005Z slow disk\n"  # a tie: the first folder by name
        "web        | 2026-11-25T10:00:00.000000005Z GET /x 404\n"
        "db-primary | 2026-11-25T10:00:00.000000006Z between\n"
        "web        | 2026-11-25T10:00:00.000000007Z boom\n"
        "3f2a9c     | 2026-11-25T10:00:00.000000009Z worker done\n"
    )
    apart = iolog("cat", str(vms))
    assert apart.returncode == 0
    assert apart.stderr == b"3f2a9c     | slow disk\ndb-primary | between\nweb        | boom\n"
    assert apart.stdout.splitlines()[:2] == [b"3f2a9c     | worker starting", b"web        | GET / 200"]
    assert iolog("logs", str(vms)).stdout == apart.stdout  # the alias


def test_files_are_named_without_extension_and_ties_go_to_the_first_given(tmp_path: Path) -> None:
    one = make_log(tmp_path / "api.server.log", [(T0, Stream.STDOUT, b"api\n")])
    two = make_log(tmp_path / "db.log", [(T0, Stream.STDOUT, b"db\n")])
    assert iolog("cat", str(two), str(one)).stdout == b"db         | db\napi.server | api\n"
    assert iolog("cat", str(one), str(two)).stdout == b"api.server | api\ndb         | db\n"
    assert iolog("cat", "--no-log-prefix", str(one), str(two)).stdout == b"api\ndb\n"
    same = make_log(tmp_path / "other" / "db.log", [(T0 + 1, Stream.STDOUT, b"db2\n")])
    told_apart = iolog("cat", str(two), str(same)).stdout.decode()
    assert told_apart == f"{tmp_path}/db       | db\n{tmp_path}/other/db | db2\n"


def test_flags_apply_to_every_log_and_tail_counts_per_log(vms: Path) -> None:
    tail = iolog("cat", "--tail", "1", "--stream", "stdout", str(vms))
    assert tail.stdout == (b"db-primary | part one, part two\nweb        | GET /x 404\n"
                           b"3f2a9c     | worker done\n")
    window = iolog("cat", "--since", "1795600800.000000004", "--until", "1795600800.000000007", str(vms))
    assert window.stdout == b"db-primary | part one, \nweb        | GET /x 404\n"
    assert window.stderr == b"3f2a9c     | slow disk\ndb-primary | between\n"
    assert iolog("cat", "--tail", "-1", str(vms)).stdout == iolog("cat", str(vms)).stdout


def test_damage_is_reported_per_log_naming_it(vms: Path) -> None:
    web = vms / "web" / "output.log"
    web.write_bytes(b"boot noise" + web.read_bytes() + encode_entry(b"torn\n", timestamp_ns=T0)[:9])
    result = iolog("cat", str(vms))
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith(b"iolog: warning")]
    assert warnings == [
        b"iolog: warning: " + str(web).encode() + b": skipped 10 undecodable bytes in 1 region "
        b"(first at offset 0)",
        b"iolog: warning: " + str(web).encode() + b": incomplete entry at the end (9 bytes at offset 84)",
    ]
    (vms / "notes.txt").write_text("not a log\n")
    noted = iolog("cat", str(vms))
    assert b"notes.txt: not an iolog file; passed over" in noted.stderr
    quiet = iolog("cat", "-q", str(vms)).stderr
    assert quiet == b"3f2a9c     | slow disk\ndb-primary | between\nweb        | boom\n"


# -- the simplest correct readings -----------------------------------------------------------------


@contextmanager
def _captured() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    wrappers = io.TextIOWrapper(out, write_through=True), io.TextIOWrapper(err, write_through=True)
    sys.stdout, sys.stderr = wrappers
    try:
        yield out, err
    finally:
        sys.stdout, sys.stderr = saved
        for wrapper in wrappers:
            wrapper.flush()
            wrapper.detach()


def _cat(*sources: Path, **flags: object) -> tuple[bytes, bytes] | None:
    args = argparse.Namespace(
        source=[str(source) for source in sources], timestamps=False, since=None, until=None, tail=None,
        follow=False, stream="all", baud=115200, save=None, no_reconnect=False, quiet=True, raw=True,
        format="text", no_log_prefix=False, no_color=True,
    )
    for name, value in flags.items():
        setattr(args, name, value)
    with _captured() as (out, err):
        try:
            assert cat_command(args) == 0
        except CliError:
            return None
    return out.getvalue(), err.getvalue()


def _linear(data: bytes) -> list[object]:
    decoder = Decoder()
    return decoder.feed(data) + decoder.close()


def _ended(text: bytes) -> bytes:
    """A stream's output with its last line ended (merged lines always end in a newline)."""
    return text if not text or text.endswith(b"\n") else text + b"\n"


@SETTINGS
@given(faulted_cases(), st.booleans(), st.sampled_from(["all", "stdout", "stderr"]))
def test_one_log_merged_prints_what_cat_prints(tmp_path_factory, case, timestamps, stream):
    folder = tmp_path_factory.mktemp("one")
    path = folder / "app.log"
    path.write_bytes(case.data)
    single = _cat(path, timestamps=timestamps, stream=stream)
    merged = _cat(folder, timestamps=timestamps, stream=stream, no_log_prefix=True)
    if single is None:  # not a log: in a folder it is passed over, and then there is none
        assert merged is None
        return
    assert merged == (_ended(single[0]), _ended(single[1]))


def _reference_records(data: bytes, attrs: dict[str, str] | None = None) -> list[tuple[int, int, bytes]]:
    return [
        (ref.timestamp_ns, int(ref.stream), json_record(ref.message, ref.stream, ref.timestamp_ns, attrs))
        for ref in faultlib.reference_lines(_linear(data))
    ]


@SETTINGS
@given(faulted_cases())
def test_json_records_are_the_reference_lines(tmp_path_factory, case):
    path = tmp_path_factory.mktemp("json") / "app.log"
    path.write_bytes(case.data)
    printed = _cat(path, format="json")
    if printed is None:
        return
    assert printed[1] == b""
    assert printed[0] == b"".join(record for _, _, record in _reference_records(case.data))


@SETTINGS
@given(st.lists(faulted_cases(max_writes=12), min_size=2, max_size=4))
def test_merged_json_is_the_greedy_merge_of_the_reference_lines(tmp_path_factory, cases):
    folder = tmp_path_factory.mktemp("many")
    paths = []
    sources: list[list[tuple[int, int, bytes]]] = []
    for number, case in enumerate(cases):
        if not any(isinstance(event, faultlib.Entry) for event in _linear(case.data)):
            continue  # not a log
        path = folder / f"c{number}.log"
        path.write_bytes(case.data)
        paths.append(path)
        sources.append(_reference_records(case.data, {"source": f"c{number}"}))
    if len(paths) < 2:
        return
    printed = _cat(*paths, format="json")
    assert printed is not None
    heads = [0] * len(sources)
    expected = []
    while True:
        waiting = [(lines[heads[n]][0], n) for n, lines in enumerate(sources) if heads[n] < len(lines)]
        if not waiting:
            break
        _, number = min(waiting)
        expected.append(sources[number][heads[number]][2])
        heads[number] += 1
    assert printed[0] == b"".join(expected)


def test_json_of_one_log_on_every_reading_path(tmp_path: Path) -> None:
    path = make_log(tmp_path / "app.log", [
        (T0, Stream.STDOUT, b"hello <world>\n"),
        (T0 + S, Stream.STDERR, b"bad \xff byte\n"),
        (T0 + 2 * S, Stream.STDOUT, b"a\ttab and \x1b[31mred\x1b[0m\n"),
    ])
    expected = (
        b'{"log":"hello \\u003cworld\\u003e\\n","stream":"stdout","time":"2026-11-25T10:00:00.000000000Z"}\n'
        b'{"log":"bad \\ufffd byte\\n","stream":"stderr","time":"2026-11-25T10:00:01.000000000Z"}\n'
        b'{"log":"a\\u0009tab and \\u001b[31mred\\u001b[0m\\n","stream":"stdout",'
        b'"time":"2026-11-25T10:00:02.000000000Z"}\n'
    )
    assert iolog("cat", "--format", "json", str(path)).stdout == expected
    piped = subprocess.run([sys.executable, "-m", "iolog", "cat", "--format", "json", "-"],
                           input=path.read_bytes(), capture_output=True, timeout=60)
    assert piped.stdout == expected
    assert iolog("cat", "--format", "json", "--tail", "1", str(path)).stdout == expected.splitlines(True)[2]
    since = iolog("cat", "--format", "json", "--since", "1795600801", str(path)).stdout
    assert since == b"".join(expected.splitlines(True)[1:])
    stderr_only = iolog("cat", "--format", "json", "--stream", "stderr", str(path)).stdout
    assert stderr_only == expected.splitlines(True)[1]
    for record in expected.splitlines():
        json.loads(record)


# -- following -------------------------------------------------------------------------------------


def _read_until(stream: io.BufferedReader, count: int, deadline_s: float = 15) -> list[bytes]:
    lines = []
    os.set_blocking(stream.fileno(), False)
    deadline = time.monotonic() + deadline_s
    buffer = b""
    while len(lines) < count and time.monotonic() < deadline:
        chunk = stream.read()
        if chunk:
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            lines += [line + b"\n" for line in done]
        else:
            time.sleep(0.02)
    return lines


def test_follow_a_folder_prints_new_lines_and_new_logs(vms: Path) -> None:
    child = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-f", "--stream", "stdout", str(vms)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert len(_read_until(child.stdout, 6)) == 6  # what is there
        with open(vms / "web" / "output.log", "ab") as log:
            log.write(encode_entry(b"GET /new 200\n", timestamp_ns=T0 + 20))
        assert _read_until(child.stdout, 1) == [b"web        | GET /new 200\n"]
        make_log(vms / "cache-with-a-long-name" / "output.log", [(T0 + 30, Stream.STDOUT, b"cache up\n")])
        assert _read_until(child.stdout, 1) == [b"cache-with-a-long-name | cache up\n"]
        with open(vms / "empty-vm" / "output.log", "ab") as log:  # a container folder's log appears
            log.write(encode_entry(b"late\n", timestamp_ns=T0 + 40))
        assert _read_until(child.stdout, 1) == [b"empty-vm               | late\n"]
    finally:
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=15)
    assert child.returncode == 0 and b"Traceback" not in err


def test_follow_until_ends_at_an_entry_past_it_or_when_the_clock_passes_it(tmp_path: Path) -> None:
    now = time.time_ns()
    path = make_log(tmp_path / "app.log", [(now - 5 * S, Stream.STDOUT, b"old\n")])
    until = f"{(now + 60 * S) / 1e9:.3f}"
    child = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-f", "--until", until, str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert _read_until(child.stdout, 1) == [b"old\n"]
        with open(path, "ab") as log:
            log.write(encode_entry(b"past\n", timestamp_ns=now + 61 * S))
        assert child.wait(timeout=15) == 0  # an entry at or past --until was seen
        assert child.stdout.read() in (b"", None)  # and is not printed
    finally:
        child.kill()
        child.wait()
    soon = f"{(time.time_ns() + 1 * S) / 1e9:.3f}"
    started = time.monotonic()
    ended = iolog("cat", "-f", "--until", soon, str(path), str(tmp_path / "app.log"), timeout=30)
    assert ended.returncode == 0 and time.monotonic() - started < 20
    ended = iolog("cat", "-f", "--until", soon, str(path), timeout=30)
    assert ended.returncode == 0 and ended.stdout == b"old\n"


@pytest.mark.parametrize("many", [False, True], ids=["one", "several"])
def test_follow_waits_for_a_log_that_does_not_exist_yet(tmp_path: Path, many: bool) -> None:
    path = tmp_path / "later.log"
    other = make_log(tmp_path / "other.log", [(T0, Stream.STDOUT, b"other\n")])
    args = [str(path), str(other)] if many else [str(path)]
    child = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-f", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stderr is not None
        if many:
            assert _read_until(child.stdout, 1) == [b"other | other\n"]
        time.sleep(0.5)
        make_log(path, [(T0 + S, Stream.STDOUT, b"finally\n")])
        assert _read_until(child.stdout, 1) == [b"later | finally\n" if many else b"finally\n"]
    finally:
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=15)
    assert child.returncode == 0
    assert b"later.log: does not exist yet; waiting for it" in err
    assert err.count(b"does not exist yet") == 1  # said once, not at every look


def test_stopping_a_merged_follow_prints_what_arrived(tmp_path: Path) -> None:
    one = make_log(tmp_path / "one.log", [(T0, Stream.STDOUT, b"one\n")])
    two = make_log(tmp_path / "two.log", [(T0 + 1, Stream.STDOUT, b"open line ")])
    child = subprocess.Popen([sys.executable, "-m", "iolog", "cat", "-f", str(one), str(two)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    assert _read_until(child.stdout, 1) == [b"one | one\n"]
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=15)
    assert child.returncode == 0, err
    assert out == b"two | open line \n"


# -- the command line ------------------------------------------------------------------------------


def test_every_argument_of_every_subcommand_has_help() -> None:
    from iolog.cli.main import _build_parser

    parser = _build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"cat", "logs", "stat", "write", "record"} <= set(commands.choices)
    for name, sub in commands.choices.items():
        for action in sub._actions:
            assert action.help, f"iolog {name} {action.option_strings or action.dest} has no help"
        shown = iolog(name, "--help")
        assert shown.returncode == 0
        canonical = "cat" if name == "logs" else name  # an alias shows its command's usage
        assert shown.stdout.startswith(f"usage: iolog {canonical} ".encode())
        for line in shown.stdout.decode().splitlines():
            assert not line.rstrip().endswith("-") or line.strip().startswith("-"), line  # no word cut
    assert iolog("--version").stdout.startswith(b"iolog ")


def test_a_live_source_is_read_alone(tmp_path: Path) -> None:
    log = make_log(tmp_path / "a.log", [(T0, Stream.STDOUT, b"a\n")])
    result = iolog("cat", str(log), "socket://127.0.0.1:9")
    assert result.returncode == 2 and b"can only be read alone" in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- to a terminal ---------------------------------------------------------------------------------


def test_merged_lines_to_a_terminal_are_shown_safely_names_too(tmp_path: Path) -> None:
    from tests.hostile import HOSTILE_NAME, PAYLOADS, write_hostile_log
    from tests.test_cli_termsafe import assert_shown_safely, run_cat

    folder = tmp_path / "vms"
    write_hostile_log((folder / "web").mkdir(parents=True) or folder / "web" / "output.log")
    make_log(folder / HOSTILE_NAME / "output.log", [(T0, Stream.STDOUT, b"from the odd one\n")])
    out, _ = run_cat(str(folder), stderr="same")
    shown = assert_shown_safely(out)
    name_shown = "app[b]␛]2;PWNED-NAME␇\\u202e.log"
    # Names in compose's colours, in the order of the folders' names; the colour ends with the name.
    assert f"\x1b[36m{name_shown} | \x1b[0mfrom the odd one\n" in shown
    web = "web".ljust(len(HOSTILE_NAME))
    assert f"\x1b[33m{web} | \x1b[0mosc0 ␛]0;PWNED-OSC0␇ end\n" in shown
    assert f"\x1b[33m{web} | \x1b[0msplit ␛]2;PWNED-SPLIT␇ and \x1b[32mgreen" in shown
    plain, _ = run_cat("--no-color", str(folder), stderr="same")
    assert b"\x1b[36m" not in plain and b"\x1b[33m" not in plain
    piped, _ = run_cat(str(folder / "web" / "output.log"), str(folder / HOSTILE_NAME / "output.log"),
                       stdout="pipe", stderr="pipe")
    assert web.encode() + b" | " + PAYLOADS[0][1] + b"\n" in piped  # padded by characters
    raw, _ = run_cat("--raw", "--no-log-prefix", str(folder), stderr="same")
    assert PAYLOADS[0][1] + b"\n" in raw  # --raw: the log's bytes unchanged


def test_json_to_a_terminal_is_shown_safely(tmp_path: Path) -> None:
    from tests.test_cli_termsafe import assert_shown_safely, run_cat

    odd = "c1 \u009b31m bidi \u202e del \x7f\n".encode()
    path = make_log(tmp_path / "app.log", [(T0, Stream.STDOUT, odd)])
    out, _ = run_cat("--format", "json", str(path), stderr="same")
    shown = assert_shown_safely(out)
    assert shown == '{"log":"c1 \\u009b31m bidi \\u202e del ␡\\n","stream":"stdout",' \
                    '"time":"2026-11-25T10:00:00.000000000Z"}\n'
    piped, _ = run_cat("--format", "json", str(path), stdout="pipe", stderr="pipe")
    assert json.loads(piped)["log"] == "c1 \u009b31m bidi \u202e del \x7f\n"  # docker writes them as they are
