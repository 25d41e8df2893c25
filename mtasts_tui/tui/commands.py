"""Command palette entries for the wizard's main actions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from mtasts_tui.tui.app import WizardApp

PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Inspect a domain", "Go to the domain screen", "go_domain"),
    ("Re-run the inspection", "Check the current domain again", "screen.rerun"),
    ("Edit the policy draft", "Open the editor for the current domain", "screen.edit"),
    ("Review the draft", "Compare the draft with the live policy", "screen.review"),
    ("Export the bundle", "Write the deploy bundle", "screen.export"),
    ("New policy offline", "Draft a policy without inspecting", "offline"),
    ("Summarise TLS-RPT reports", "Open the reports screen", "reports"),
    ("Help", "Keys and screens", "help"),
)


class WizardCommands(Provider):
    def _app(self) -> WizardApp:
        return cast("WizardApp", self.app)

    async def discover(self) -> Hits:
        for title, help_text, action in PALETTE:
            yield DiscoveryHit(title, partial(self._app().run_palette, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in PALETTE:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._app().run_palette, action),
                    help=help_text,
                )
