"""Reports: summarise TLS-RPT reports from files or folders, with a per-day chart.

Reading runs in a thread worker (files may be large, gzip, zip or mailboxes); the summary and
the verdict come from `mtasts_tui.reports`, shown as plain text (report contents are remote).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, LoadingIndicator, Static
from textual.worker import get_current_worker

from mtasts_tui.core.checklist import REPORT_WATCH_DAYS
from mtasts_tui.core.findings import Finding
from mtasts_tui.core.text import one_line, printable
from mtasts_tui.tui.path_suggester import PathSuggester
from mtasts_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from mtasts_tui.tui.app import ReportOutcome


def summarise(
    paths: list[str], today: date | None = None
) -> tuple[list[str], int, list[Finding], dict[str, ReportOutcome]]:
    """Headless: (summary lines, reports read, problems, per-domain outcome). A worker thread."""
    from mtasts_tui.reports import no_sts_failures_in_last, summarise_paths, verdict_for
    from mtasts_tui.reports.render import domain_text
    from mtasts_tui.tui.app import ReportOutcome

    summary, read, problems = summarise_paths(paths)
    lines: list[str] = []
    outcomes: dict[str, ReportOutcome] = {}
    for name in summary.domains():
        ds = summary.domain(name)
        verdict = verdict_for(ds)
        clean = no_sts_failures_in_last(summary, name, REPORT_WATCH_DAYS, today=today)
        outcomes[name] = ReportOutcome(verdict, clean)
        if lines:
            lines.append("")
        lines.extend(domain_text(ds, verdict))
    return lines, read, problems, outcomes


class ReportsScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial
        self.generation = 0
        """Bumped by each Summarise: only the newest run's result is shown."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="reports"):
            yield Label(
                "TLS-RPT reports: files or folders (.json, .gz, .zip, e-mail, mbox, Maildir)"
            )
            with Horizontal(classes="row"):
                yield Input(
                    self.initial,
                    placeholder="~/tlsrpt-reports  (→ completes a path)",
                    id="report-path",
                    suggester=PathSuggester(),
                )
                yield Button("Summarise", id="load", variant="primary")
            yield LoadingIndicator(id="report-loading")
            yield Static(id="report-summary")
        yield Footer()

    def on_mount(self) -> None:
        inp = self.query_one("#report-path", Input)
        inp.cursor_blink = not self.wizard.deterministic
        inp.focus()
        self.query_one("#report-loading").display = False

    @on(Input.Submitted, "#report-path")
    @on(Button.Pressed, "#load")
    def action_load(self) -> None:
        text = self.query_one("#report-path", Input).value.strip()
        try:
            paths = [str(Path(p).expanduser()) for p in shlex.split(text)]
        except ValueError as exc:
            self.notify(f"Cannot read the paths: {exc}", severity="error")
            return
        missing = [p for p in paths if not Path(p).exists()]
        if not paths or missing:
            what = ", ".join(one_line(p) for p in missing) or "nothing given"
            self.query_one("#report-summary", Static).update(
                Text("✗ No such file or folder: " + what, style="red")
            )
            return
        self.query_one("#report-loading").display = True
        self.generation += 1
        self._load(self.generation, paths)

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def _load(self, generation: int, paths: list[str]) -> None:
        try:
            result = summarise(paths, self.wizard.clock.today())
        except Exception as exc:  # a reader bug must not take the wizard down
            show: Callable[[], None] = partial(self._failed, f"{type(exc).__name__}: {exc}")
        else:
            show = partial(self._show, *result)
        # Cancelling a thread worker only sets a flag: a slower, older run ends up here too.
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._if_current, generation, show)

    def _if_current(self, generation: int, show: Callable[[], None]) -> None:
        if generation == self.generation:
            show()

    def _failed(self, message: str) -> None:
        self.query_one("#report-loading").display = False
        self.query_one("#report-summary", Static).update(
            Text("✗ " + one_line(message), style="red")
        )

    def _show(
        self,
        lines: list[str],
        read: int,
        problems: list[Finding],
        outcomes: dict[str, ReportOutcome],
    ) -> None:
        self.wizard.report_outcomes.update(outcomes)
        self.query_one("#report-loading").display = False
        text = Text(f"{read} report(s) read, {len(problems)} problem(s).\n\n", style="bold")
        body = Text(printable("\n".join(lines)))
        body.highlight_regex("█+", "green")
        body.highlight_regex("░+", "red")
        body.highlight_regex("NOT safe to enforce", "bold red")
        body.highlight_regex(r"Verdict: safe to enforce", "bold green")
        text.append_text(body)
        if read == 0:
            text.append("No TLS-RPT report was found there.", style="yellow")
        if problems:
            text.append("\n\nProblems (skipped)\n", style="bold yellow")
            for p in problems:
                text.append("  • " + one_line(p.message) + "\n")
        self.query_one("#report-summary", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
