"""What every wizard screen shares: typed access to the app's services."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from mtasts_tui.tui.app import WizardApp


class WizardScreen(Screen[None]):
    @property
    def wizard(self) -> WizardApp:
        """The app, typed: clock, store, network, report outcomes."""
        return cast("WizardApp", self.app)

    def on_screen_suspend(self) -> None:
        # Leaving a screen is a save point: what was typed is on disk before the next one shows.
        self.wizard.flush_now()
