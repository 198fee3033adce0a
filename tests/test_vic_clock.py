"""Our writer against VIC's rules with a clock that moves between calls.

VIC's Go writer reads ``time.Now()`` once per entry, when it emits it: at
the newline that ends a line, or at ``Close`` for a trailing partial line; it
holds an unterminated line in memory until then, however long, and cuts a
line into 4095-byte entries as it emits it. ``vic_log`` below is those rules
and nothing else. With a clock that moves at every write and at close (and
by a nanosecond at every reading, so the number of readings counts too), our
bytes must equal VIC's for any writes whose lines are shorter than 4095
bytes. Longer lines differ only in when their first entries are stamped
(ours as each 4095 bytes fill), which the last test pins down.
"""

from __future__ import annotations

import io

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iolog import LogWriter, read_entries
from iolog.core.format import MAX_ENTRY_SIZE, encode_entry

T0 = 1_700_000_000_000_000_000


class MovingClock:
    """A clock the test moves before each call; one nanosecond more per reading."""

    def __init__(self, start_ns: int = T0) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        self.now_ns += 1
        return self.now_ns


def vic_log(writes: list[tuple[int, bytes]], close_step_ns: int, start_ns: int = T0) -> bytes:
    """The bytes VIC's writer makes: ``writes`` are (clock step before it, chunk)."""
    now_ns = start_ns
    held = b""
    frames: list[bytes] = []

    def emit(line: bytes) -> None:
        nonlocal now_ns
        for start in range(0, len(line), MAX_ENTRY_SIZE):
            now_ns += 1  # one reading per entry, as it is emitted
            frames.append(encode_entry(line[start : start + MAX_ENTRY_SIZE], timestamp_ns=now_ns))

    for step_ns, chunk in writes:
        now_ns += step_ns
        held += chunk
        while (newline := held.find(b"\n")) >= 0:
            emit(held[: newline + 1])
            held = held[newline + 1 :]
    now_ns += close_step_ns
    if held:
        emit(held)
    return b"".join(frames)


def our_log(writes: list[tuple[int, bytes]], close_step_ns: int) -> bytes:
    sink = io.BytesIO()
    clock = MovingClock()
    writer = LogWriter(sink, clock=clock)
    for step_ns, chunk in writes:
        clock.now_ns += step_ns
        assert writer.write(chunk) == len(chunk)
    clock.now_ns += close_step_ns
    writer.close()
    return sink.getvalue()


_STEP = st.integers(-(10**12), 10**12)  # the clock may jump back (NTP) or far ahead
_CHUNK = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from([b"\n", b"ok\n", b"\r\n", b"partial ", b"\xe2\x82", b"\xac\n"]), max_size=8).map(
        b"".join
    ),
    st.integers(1, 4094).map(lambda n: b"L" * n),
)


@settings(max_examples=400, deadline=None)
@given(writes=st.lists(st.tuples(_STEP, _CHUNK), max_size=25), close_step_ns=_STEP)
def test_bytes_equal_vics_for_any_clock_when_lines_are_short(writes, close_step_ns):
    everything = b"".join(chunk for _, chunk in writes)
    assume(max(map(len, everything.split(b"\n"))) < MAX_ENTRY_SIZE)
    assert our_log(writes, close_step_ns) == vic_log(writes, close_step_ns)


def test_a_line_is_stamped_when_its_newline_arrives():
    writes = [(0, b"GET /"), (5_000, b"orders 200\nnext"), (7_000, b" line\n"), (9_000, b"tail")]
    ours = our_log(writes, close_step_ns=11_000)
    assert ours == vic_log(writes, close_step_ns=11_000)
    got = [(e.message, e.timestamp_ns - T0) for e in read_entries(io.BytesIO(ours))]
    assert got == [(b"GET /orders 200\n", 5_001), (b"next line\n", 12_002), (b"tail", 32_003)]


def test_a_long_line_is_stamped_as_its_entries_fill_where_vic_waits_for_the_newline():
    writes = [(0, b"a" * 5000), (1_000, b"b\n")]
    ours = list(read_entries(io.BytesIO(our_log(writes, 0))))
    vics = list(read_entries(io.BytesIO(vic_log(writes, 0))))
    assert [e.message for e in ours] == [e.message for e in vics] == [b"a" * 4095, b"a" * 905 + b"b\n"]
    assert [e.timestamp_ns - T0 for e in ours] == [1, 1_002]  # the first entry when it filled
    assert [e.timestamp_ns - T0 for e in vics] == [1_001, 1_002]  # both at the newline
