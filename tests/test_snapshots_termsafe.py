"""Snapshot tests of hostile container output: escapes drawn visibly, nothing acted on.

Same rules as ``test_snapshots.py``: fixed time zone, fixed "now", fixed
terminal size; the log is the corpus of :mod:`tests.hostile`, written with
fixed timestamps, in a file whose name holds an escape sequence.
"""

from __future__ import annotations

import json

import pytest

from iolog import Stream
from iolog.core.format import encode_entry

from .conftest import START_NS, wait_until
from .hostile import HOSTILE_NAME, write_hostile_log
from .test_snapshots import SIZE, make_app

pytestmark = pytest.mark.usefixtures("fixed_tz")


class TestHostileRows:
    def test_merged(self, snap_compare, tmp_path, settle) -> None:
        path = write_hostile_log(tmp_path / HOSTILE_NAME)

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("g")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)

    def test_split_and_wrapped(self, snap_compare, tmp_path, settle) -> None:
        path = write_hostile_log(tmp_path / HOSTILE_NAME)

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p", "ctrl+w")
            await pilot.pause(0.2)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)

    def test_search_highlights(self, snap_compare, tmp_path, settle) -> None:
        path = write_hostile_log(tmp_path / HOSTILE_NAME)

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            await pilot.press("slash", *"PWNED", "enter")
            await wait_until(pilot, lambda: app.log_screen.search_bar.finished)
            await pilot.press("n")
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)

    def test_export_prompt(self, snap_compare, tmp_path, settle) -> None:
        path = write_hostile_log(tmp_path / HOSTILE_NAME)

        async def run_before(pilot) -> None:
            from iolog_tui.prompts import ExportPrompt

            await settle(pilot)
            await pilot.press("x")
            # Under load (CI runs beside other work) the prompt may take longer than a pause.
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExportPrompt))
            await pilot.pause(0.2)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)


class TestHostileDetail:
    @pytest.mark.parametrize(
        "payload",
        [
            b"text \x1b]2;PWNED\x07 \xc2\x9b31m \xe2\x80\xaeDENWP \x1b[8mconcealed\x1b[0m \x1b[6n"
            b" first line\nsecond line \x1b[31mred\x1b[0m \xe5\xb9\xb3\xe6\x96\x87\n",
            json.dumps(
                {"msg": "\u009b31m \u009d0;PWNED\u009c", "bidi": "\u202eDENWP\u2066", "sep": "a\u2028b",
                 "del": "x\x7f", "esc": "\x1b]2;PWNED\x07"},
                ensure_ascii=False,
            ).encode() + b"\n",
        ],
        ids=["text", "json"],
    )
    def test_detail(self, snap_compare, tmp_path, settle, payload: bytes) -> None:
        path = tmp_path / "detail.log"
        path.write_bytes(
            encode_entry(b"INFO  before\n", timestamp_ns=START_NS)
            + encode_entry(payload, timestamp_ns=START_NS + 10**9, stream=Stream.STDERR)
            + encode_entry(b"INFO  after\n", timestamp_ns=START_NS + 2 * 10**9)
        )

        async def run_before(pilot) -> None:
            app = pilot.app
            await settle(pilot)
            await pilot.click("#merged", offset=(12, 1))
            await pilot.press("enter")
            await wait_until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            await pilot.pause(0.1)

        assert snap_compare(make_app(path), run_before=run_before, terminal_size=SIZE)
