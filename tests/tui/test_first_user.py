"""The wizard as a first-time user meets it (issue 11, section 5), checked on the drawn screen.

Every main screen is walked at 80 and 100 columns; the assertions read the rows the terminal
shows, so a label or footer entry cut at the edge fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Input, Label, RadioButton, Static, TextArea

from mtasts_tui.core.policy import Mode
from mtasts_tui.lab import scenarios
from mtasts_tui.tui.app import WizardApp
from mtasts_tui.tui.screens.domain import DomainScreen
from mtasts_tui.tui.screens.edit import EditScreen, ModeSet
from mtasts_tui.tui.screens.export import ExportScreen

from tests.tui.conftest import SIZE, MakeApp, screen_text, settle
from tests.waiting import pilot_wait_until

DEMO = scenarios.DEMO_DOMAIN
FIELD_WIDTH_FOR = {80: 24, 100: 32}


def footer_entries(app: WizardApp) -> list[set[str]]:
    """What the footer should show: per shown action, its 'key description' for each key
    (the footer shows one key of an action bound to several, e.g. escape and e)."""
    entries: dict[tuple[int, str], set[str]] = {}
    for active in app.screen.active_bindings.values():
        binding = active.binding
        if binding.show and binding.description:
            key = (id(active.node), binding.action)
            entries.setdefault(key, set()).add(
                f"{app.get_key_display(binding)} {binding.description}"
            )
    return list(entries.values())


def chosen_mode(screen: EditScreen) -> Mode:
    """The draft's mode now (a call: mypy would keep an earlier assert's narrowing of it)."""
    return screen.draft.mode


def assert_nothing_cut(app: WizardApp, name: str) -> None:
    rows = screen_text(app)
    footer = rows[-1]
    for entry in footer_entries(app):
        assert any(e in footer for e in entry), f"{name}: footer lost {entry!r}: {footer!r}"
    assert "^q Quit" in footer, f"{name}: the footer does not say how to quit"
    shown = " ".join(rows)
    visible = app.screen._compositor.visible_widgets
    for label in app.screen.query(Label):
        if label not in visible:  # scrolled out of view: nothing to cut
            continue
        for word in str(label.visual).split():
            assert word in shown, f"{name}: label {str(label.visual)!r} cut at {word!r}"


@pytest.mark.parametrize("width", [80, 100])
async def test_no_screen_cuts_a_label_or_its_footer(make_app: MakeApp, width: int) -> None:
    size = (width, FIELD_WIDTH_FOR[width])
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert_nothing_cut(app, "domain")
        assert "enter Inspect" in screen_text(app)[-1]
        await pilot.press(*DEMO, "enter")
        await settle(pilot)
        assert_nothing_cut(app, "inspection")
        await pilot.press("e")
        await settle(pilot)
        assert_nothing_cut(app, "edit")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert_nothing_cut(app, "review")
        await pilot.press("x")
        await settle(pilot)
        assert_nothing_cut(app, "export")
        await pilot.press("f3")
        await settle(pilot)
        assert_nothing_cut(app, "reports")


@pytest.mark.parametrize("width", [80, 100])
async def test_the_txt_preview_keeps_every_value_on_one_line(make_app: MakeApp, width: int) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=(width, FIELD_WIDTH_FOR[width])) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EditScreen)
        for preview_id in ("#txt-preview", "#preview"):
            preview = screen.query_one(preview_id, Static)
            lines = str(preview.visual).split("\n")
            # As many rows as lines: not one value folded onto a second row.
            assert preview.virtual_region.height == len(lines), preview_id
            assert preview.virtual_region.width >= max(len(line) for line in lines), preview_id
        rua_line = str(screen.query_one("#txt-preview", Static).visual).splitlines()[-1]
        assert "rua=mailto:tls-reports@example-shop.test" in rua_line


async def test_the_mode_selector_highlights_the_chosen_mode_and_takes_1_2_3(
    make_app: MakeApp,
) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EditScreen)
        assert screen.draft.mode == "testing"
        modes = screen.query_one("#mode", ModeSet)
        modes.focus()
        await pilot.pause()
        # The highlight is what RadioSet draws with its -selected class.
        [highlighted] = modes.query(RadioButton).filter(".-selected")
        assert highlighted.id == "mode-testing"
        await pilot.press("left", "enter")  # one to the left of the chosen mode: enforce
        await pilot.pause()
        assert chosen_mode(screen) == "enforce"
        await pilot.press("right", "enter")  # and back: the highlight moved with the choice
        await pilot.pause()
        assert chosen_mode(screen) == "testing"
        shown = " ".join(screen_text(app))
        assert "1 enforce" in shown and "2 testing" in shown and "3 none" in shown
        assert_nothing_cut(app, "edit, mode focused")
        for key, mode in (("1", "enforce"), ("3", "none"), ("2", "testing")):
            await pilot.press(key)
            await pilot.pause()
            assert screen.draft.mode == mode
            assert "mode: " + mode in str(screen.query_one("#preview", Static).visual)


async def test_export_offers_copy_only_where_c_does_not_type(make_app: MakeApp) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        folder = screen.query_one("#folder", Input)
        folder.focus()
        await settle(pilot)  # the footer recomposes after the focus change
        assert "Copy" not in screen_text(app)[-1]
        before = folder.value
        await pilot.press("end", "c")
        assert folder.value == before + "c"  # c typed a letter, nothing was copied
        screen.query_one("#records", DataTable).focus()
        await settle(pilot)
        assert "c Copy record" in screen_text(app)[-1]


async def test_the_palette_lists_theme_switching_once(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme")
        await settle(pilot)  # the palette's search is a worker: wait for it, not for a time
        results = app.screen.query_one(CommandList)
        titles = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert len([t for t in titles if "heme" in t]) == 1, titles


async def test_preview_and_coverage_follow_keys_typed_as_the_editor_appears(
    make_app: MakeApp,
) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # no pause: the keys below reach the editor as it mounts
        await pilot.press(*"mx9.example-shop.test", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EditScreen)
        text = screen.query_one("#mx", TextArea).text
        assert text.startswith("mx9.example-shop.test\n")
        assert screen.draft.mx[0] == "mx9.example-shop.test"
        preview = str(screen.query_one("#preview", Static).visual)
        coverage = str(screen.query_one("#mx-status", Static).visual)
        assert "mx: mx9.example-shop.test" in preview
        assert "mx9.example-shop.test covers no current MX" in coverage
        assert f"id={screen.draft.policy_id}" in str(
            screen.query_one("#txt-preview", Static).visual
        )
        assert screen.draft.policy_id != "20261101T093000"  # the change bumped the id


async def test_leaving_the_editor_saves_the_draft_at_once(
    make_app: MakeApp, data_dir: Path
) -> None:
    app = make_app(DEMO)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.save_state = lambda: None  # type: ignore[method-assign]  # only the sync save is left
        await pilot.press(*"mx9.example-shop.test", "enter", "escape")
        assert not isinstance(app.screen, EditScreen)
        saved = (data_dir / "drafts" / f"{DEMO}.json").read_text()
        assert '"mx9.example-shop.test"' in saved


async def test_the_domain_footer_says_how_to_inspect(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DomainScreen)
        footer = screen_text(app)[-1]
        assert "enter Inspect" in footer and "^q Quit" in footer


async def test_a_save_failing_at_quit_is_said_on_the_terminal(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app()

    def broken() -> None:
        raise OSError(28, "No space left on device")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.store.flush = broken  # type: ignore[method-assign]
        await pilot.press("ctrl+q")
        await pilot_wait_until(pilot, lambda: app.return_code is not None, what="the app to quit")
    assert app.return_code == 1
    captured = capsys.readouterr()
    assert "mtasts-tui: Could not save: [Errno 28] No space left" in captured.out + captured.err


async def test_the_help_fits_80_columns_without_folding_a_line(make_app: MakeApp) -> None:
    from mtasts_tui.tui.screens.help import HELP

    app = make_app()
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        shown = "\n".join(screen_text(app))
        for line in HELP.splitlines():
            assert line.rstrip() in shown, line
