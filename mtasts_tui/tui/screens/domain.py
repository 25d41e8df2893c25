"""Step 1: which domain? Live validation, IDN shown both ways, recent domains."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.text import one_line
from mtasts_tui.tui.screens.base import WizardScreen


class DomainScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # enter in the field inspects (Input.Submitted); f5 does it from anywhere on the screen.
        Binding("f5", "inspect", "Inspect", key_display="enter"),
        Binding("ctrl+o", "offline", "Draft offline"),
    ]

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="domain-box"):
            yield Static(Text(self.wizard.banner), id="banner")
            yield Label("Mail domain to inspect or draft a policy for")
            yield Input(
                value=self.initial,
                placeholder="example.com or bücher.example",
                id="domain",
                select_on_focus=False,
            )
            yield Static(id="domain-status")
            with Horizontal(classes="buttons"):
                yield Button("Inspect (enter)", id="inspect", variant="primary")
                yield Button("New policy offline (ctrl+o)", id="offline")
            yield Label("Recent domains", classes="section")
            yield OptionList(id="recent")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#banner").display = bool(self.wizard.banner)
        inp = self.query_one("#domain", Input)
        inp.cursor_blink = not self.wizard.deterministic
        inp.focus()
        self._validate(inp.value)
        self._load_recent()
        # The probes and the demo lab load in threads that compete with drawing: only once this
        # screen, the first one, is on the terminal.
        self.call_after_refresh(self.wizard.after_first_frame)

    def show_banner(self, text: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(Text(text))
        banner.display = bool(text)

    def untouched(self) -> bool:
        """The domain field still holds what the screen opened with."""
        return self.query_one("#domain", Input).value == self.initial

    def set_domain(self, value: str) -> None:
        inp = self.query_one("#domain", Input)
        inp.value = value
        inp.cursor_position = len(value)

    @work(thread=True, exclusive=True, group="recent", exit_on_error=False)
    def _load_recent(self) -> None:
        from mtasts_tui.tui.history import db_path, recent_checked

        store = self.wizard.store
        checked = recent_checked(db_path(store.root))
        # Domains checked (from the history store) first, then ones only opened in the wizard.
        names = [*checked, *(n for n in store.recent() if n not in checked)][:20]
        recent = [(name, store.has_draft(name)) for name in names]
        self.app.call_from_thread(self._show_recent, recent, checked)

    def _show_recent(
        self, recent: list[tuple[str, bool]], checked: dict[str, str] | None = None
    ) -> None:
        options = self.query_one("#recent", OptionList)
        options.clear_options()
        for name, has_draft in recent:
            parsed = parse_domain(name)
            label = Text(one_line(parsed.display() if isinstance(parsed, DomainName) else name))
            if checked and name in checked:
                label.append("  " + one_line(checked[name]), style="dim")
            if has_draft:
                label.append("  draft saved", style="italic dim")
            options.add_option(Option(label, id=name))
        if not recent:
            options.add_option(Option(Text("(none yet)", style="dim"), disabled=True))

    def on_screen_resume(self) -> None:
        self._load_recent()

    def _validate(self, value: str) -> DomainName | None:
        status = self.query_one("#domain-status", Static)
        if not value.strip():
            status.update(Text("Type a domain name.", style="dim"))
            return None
        parsed = parse_domain(value)
        if isinstance(parsed, str):
            status.update(Text("✗ " + one_line(parsed), style="red"))
            return None
        text = Text("✓ ", style="green")
        text.append(one_line(parsed.unicode), style="bold")
        if parsed.is_idn:
            text.append("  punycode: ")
            text.append(parsed.ascii, style="bold")
        status.update(text)
        return parsed

    @on(Input.Changed, "#domain")
    def _changed(self, event: Input.Changed) -> None:
        self._validate(event.value)

    @on(Input.Submitted, "#domain")
    @on(Button.Pressed, "#inspect")
    def action_inspect(self) -> None:
        parsed = self._validate(self.query_one("#domain", Input).value)
        if parsed is None:
            self.notify("Fix the domain name first.", severity="warning")
            return
        self.wizard.open_inspection(parsed)

    @on(Button.Pressed, "#offline")
    def action_offline(self) -> None:
        parsed = self._validate(self.query_one("#domain", Input).value)
        if parsed is None:
            self.notify("Type the domain the policy is for first.", severity="warning")
            self.query_one("#domain", Input).focus()
            return
        from mtasts_tui.tui.draft import Live

        self.wizard.open_editor(parsed, Live(), offline=True)

    @on(OptionList.OptionSelected, "#recent")
    def _recent(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.query_one("#domain", Input).value = event.option.id
            self.action_inspect()
