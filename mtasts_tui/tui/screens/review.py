"""Step 4: what the draft changes, for the file and for the senders that cached the old one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Label, Static

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.policy import describe_duration
from mtasts_tui.core.text import one_line
from mtasts_tui.tui.draft import (
    Draft,
    Live,
    cache_horizon,
    check_draft,
    policy_diff,
    sender_changes,
)
from mtasts_tui.tui.screens.base import WizardScreen

DIFF_STYLE = {"+": "green", "-": "red", " ": ""}


class ReviewScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "export", "Export"),
        Binding("escape,e", "back", "Back to edit"),
    ]

    def __init__(self, domain: DomainName, live: Live, draft: Draft) -> None:
        super().__init__()
        self.domain = domain
        self.live = live
        self.draft = draft

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="review"):
            yield Static(Text("Review: " + self.domain.display(), style="bold"), id="review-title")
            yield Label("Policy file: live (-) vs draft (+)", classes="section")
            yield Static(self._diff(), id="diff")
            yield Label("What changes for senders", classes="section")
            yield Static(self._changes(), id="changes")
            yield Label("Cache horizon", classes="section")
            yield Static(self._horizon(), id="horizon")
            yield Static(self._problems(), id="problems")
            with Horizontal(classes="buttons"):
                yield Button("Export (x)", id="export", variant="primary")
                yield Button("Back to edit (esc)", id="back")
        yield Footer()

    def _diff(self) -> Text:
        text = Text()
        if self.live.policy is None:
            text.append("(no valid live policy: every line is new)\n", style="dim")
        for tag, line in policy_diff(self.live, self.draft):
            text.append(f"{tag} {one_line(line)}\n", style=DIFF_STYLE[tag])
        text.rstrip()
        return text

    def _changes(self) -> Text:
        changes = sender_changes(self.live, self.draft)
        if not changes:
            return Text("Nothing: the draft is the live policy.", style="dim")
        text = Text()
        for change in changes:
            style = "red" if change.kind == "mx-removed" else ""
            text.append("• " + one_line(change.text) + "\n", style=style)
        if self.live.policy_id and self.draft.policy_id != self.live.policy_id:
            text.append(
                f"• id {one_line(self.live.policy_id)} → {one_line(self.draft.policy_id)}: "
                "senders refetch the policy when they see the new id\n"
            )
        text.rstrip()
        return text

    def _horizon(self) -> Text:
        now = self.wizard.clock.now()
        until = cache_horizon(self.live, now)
        if until is None or self.live.policy is None:
            return Text("No policy is live, so no sender has one cached.", style="dim")
        return Text(
            f"Senders that fetched the live policy may keep applying it for "
            f"{describe_duration(self.live.policy.max_age)} after you publish: "
            f"until {until:%Y-%m-%d %H:%M} UTC if you publish now. Keep serving anything they "
            "may still need until then."
        )

    def _problems(self) -> Text:
        check = check_draft(self.draft, self.live)
        if check.ok:
            return Text("✓ The draft is valid.", style="green")
        return Text("✗ The draft has problems: go back to edit before exporting.", style="bold red")

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        from mtasts_tui.tui.screens.export import ExportScreen

        if not check_draft(self.draft, self.live).ok:
            self.notify("Fix the draft first (see the edit screen).", severity="error")
            return
        self.app.push_screen(ExportScreen(self.domain, self.live, self.draft))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
