"""History: the domain's timeline (one line per change) and the policy diff between two points.

Pick the two points in the list of policy versions: ``enter`` on one sets "from", on another
sets "to"; the diff shows below. Store reads run in a thread worker.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.drift import policy_diff
from mtasts_tui.core.text import QUOTE_LIMIT, clip, one_line
from mtasts_tui.tui.history import DomainHistory, db_path, load_history
from mtasts_tui.tui.screens.base import WizardScreen

_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


class HistoryScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, domain: DomainName) -> None:
        super().__init__()
        self.domain = domain
        self.history: DomainHistory | None = None
        self.picked: list[int] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static(Text(f"History of {self.domain.display()}", style="bold"), id="title")
            yield Label("Changes", classes="section")
            yield Static("Loading…", id="timeline", markup=False)
            yield Label("Policy versions (enter: pick two to compare)", classes="section")
            yield OptionList(id="versions")
            yield Static(id="diff", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _load(self) -> None:
        history = load_history(db_path(self.wizard.store.root), self.domain.ascii)
        self.app.call_from_thread(self._show, history)

    def _show(self, history: DomainHistory) -> None:
        self.history = history
        text = Text()
        for entry in history.entries:
            text.append(f"{entry.at}  ", style="dim")
            text.append(f"[{entry.code}] ", style=_STYLE.get(entry.severity, ""))
            text.append(one_line(entry.message) + "\n")
        if not history.entries:
            text.append("No checks recorded yet.", style="dim")
        self.query_one("#timeline", Static).update(text)
        versions = self.query_one("#versions", OptionList)
        versions.clear_options()
        for n, (at, body) in enumerate(history.points):
            fields = [ln.strip() for ln in (body or "").splitlines()[1:] if ln.strip()]
            label = (
                "no policy served"
                if body is None
                else clip(one_line("; ".join(fields)), QUOTE_LIMIT)
            )
            versions.add_option(Option(Text(f"{at}  {label}"), id=str(n)))
        if len(history.points) >= 2:
            self.picked = [len(history.points) - 2, len(history.points) - 1]
            self._show_diff()

    @on(OptionList.OptionSelected, "#versions")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.picked = [*self.picked[-1:], int(event.option.id or 0)]
        self._show_diff()

    def _show_diff(self) -> None:
        if self.history is None or len(self.picked) < 2:
            return
        (a_at, a), (b_at, b) = (self.history.points[i] for i in sorted(self.picked))
        lines = policy_diff(a, b, a_at, b_at) or ["(the same policy)"]
        text = Text()
        for line in lines:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            text.append(one_line(line) + "\n", style=style)
        self.query_one("#diff", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
