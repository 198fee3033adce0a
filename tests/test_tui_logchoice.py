"""The source filter (LogChoice, ``o``): which of several logs merged by time the panes show."""

from __future__ import annotations

from pathlib import Path

from iolog_tui.logchoice import LogChoice
from iolog_tui.model.rows import RowKind

from .conftest import wait_until
from .merged_helpers import container_logs, merged_app
from .tui_helpers import SIZE, filter_rows, merged, pilot_test, ready, search, shown_messages


def _logs_shown(app) -> set[str]:
    model = app.log_screen.panes.model
    view = merged(app)
    return {model.names[view.rows.row(index).source] for index in range(len(view.rows))}


@pilot_test
async def test_o_hides_a_log_and_a_shows_them_all_again(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert _logs_shown(app) == {"db-primary", "web", "worker"}
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("down", "space", "enter")  # untick web
        await wait_until(pilot, lambda: not isinstance(app.screen, LogChoice))
        await wait_until(pilot, lambda: _logs_shown(app) == {"db-primary", "worker"})
        model = app.log_screen.panes.model
        assert model.hidden == frozenset({1})
        assert len(merged(app).rows) == len(model.merged_of[0]) + len(model.merged_of[2])
        # The level count is of the logs shown: web's warnings are gone, worker's errors stay.
        await wait_until(pilot, lambda: app.log_screen.level_bar.finished)
        assert (len(app.log_screen.level_bar.errors), len(app.log_screen.level_bar.warnings)) == (2, 0)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("a", "enter")
        await wait_until(pilot, lambda: _logs_shown(app) == {"db-primary", "web", "worker"})
        assert model.hidden == frozenset()


@pilot_test
async def test_filter_and_search_look_at_the_logs_shown_only(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await filter_rows(pilot, "0")  # lines of every log hold a 0
        assert _logs_shown(app) == {"db-primary", "web", "worker"}
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        await pilot.press("space", "enter")  # untick db-primary
        await wait_until(pilot, lambda: app.log_screen.filter_bar.finished
                         and _logs_shown(app) == {"web", "worker"})
        assert all("0" in text for text in shown_messages(merged(app)))
        await search(pilot, "job")
        hits = app.log_screen.search_bar.matches
        assert hits and all(app.log_screen.panes.model.row_logs[row] == 2 for row in hits)


@pilot_test
async def test_every_log_cannot_be_hidden_and_esc_changes_nothing(tmp_path: Path) -> None:
    app = merged_app(container_logs(tmp_path / "vms"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LogChoice))
        choice = app.screen
        await pilot.press("space", "down", "space", "down", "space", "enter")
        assert app.screen is choice
        assert "at least one" in str(choice.query_one("#logs-hint").render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LogChoice))
        assert app.log_screen.panes.model.hidden == frozenset()
        kinds = {RowKind(kind) for kind in app.log_screen.panes.model.kinds}
        assert RowKind.STDOUT in kinds


@pilot_test
async def test_one_log_has_nothing_to_choose(write_log) -> None:
    from .tui_helpers import make_app, service_items

    app = make_app(write_log(service_items(5)))
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.notify = lambda text, **_options: notes.append(text)  # type: ignore[method-assign]
        await pilot.press("o")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, LogChoice)
        assert notes and "one log" in notes[0]
