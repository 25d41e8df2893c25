"""The editor validates live with the same function as `mtasts-tui export` (core.draft)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Input, Static, TextArea

from mtasts_tui.core.draft import validate_draft
from mtasts_tui.tui.app import WizardApp
from mtasts_tui.tui.screens.review import ReviewScreen

from tests.tui.conftest import SIZE, open_offline_editor, settle


def plain(widget: Static) -> str:
    visual = widget.visual
    return visual.plain if isinstance(visual, Text) else str(widget.render())


async def test_a_pattern_some_sender_rejects_is_refused_live_and_at_review(
    make_app: Callable[[], WizardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        edit = await open_offline_editor(pilot, "offline.test")
        edit.query_one("#mx", TextArea).text = "ab--cd.offline.test"
        await pilot.pause()
        status = plain(edit.query_one("#mx-status", Static))
        assert status.startswith("✗ ab--cd.offline.test: ")
        assert "mox rejects the whole policy" in status
        assert not validate_draft(edit.draft.fields()).ok

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "problems" in plain(app.screen.query_one("#problems", Static))
        await pilot.press("escape")
        await settle(pilot)

        edit.query_one("#mx", TextArea).text = "mx1.offline.test"
        edit.query_one("#max-age", Input).value = " 0604800 "
        await pilot.pause()
        assert plain(edit.query_one("#mx-status", Static)).startswith("✓ mx1.offline.test")
        assert plain(edit.query_one("#max-age-status", Static)) == "✓ 1 week"
        assert validate_draft(edit.draft.fields()).ok
