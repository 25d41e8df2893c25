"""Reports: summarise TLS-RPT reports from the store or from files, with a per-day chart.

The store (filled by ``reports --imap``, ``reports serve`` and ``reports --store``) is the default
source when it holds reports for the domain being inspected; files and folders work as before.
Reading runs in a thread worker (files may be large, gzip, zip or mailboxes); the summary and
the verdict come from `mtasts_tui.reports`, shown as plain text (report contents are remote).
"""

from __future__ import annotations

import shlex
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
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
from mtasts_tui.reports.summary import ReportSummary
from mtasts_tui.tui.path_suggester import PathSuggester
from mtasts_tui.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from mtasts_tui.tui.app import ReportOutcome


@dataclass(frozen=True)
class Summarised:
    """What the worker hands the screen."""

    lines: list[str]
    """The per-domain sections, as ``reports`` prints them."""
    read: int
    problems: list[Finding]
    outcomes: dict[str, ReportOutcome]
    coverage: list[str]
    """Per domain: the newest report's day and how many days the verdict covers."""
    source: str
    """Where the reports came from, in words."""


def _describe(
    summary: ReportSummary,
    read: int,
    problems: list[Finding],
    today: date | None,
    source: str,
    only: str | None = None,
) -> Summarised:
    from mtasts_tui.reports import no_sts_failures_in_last, verdict_for
    from mtasts_tui.reports.render import domain_text
    from mtasts_tui.tui.app import ReportOutcome

    lines: list[str] = []
    coverage: list[str] = []
    outcomes: dict[str, ReportOutcome] = {}
    for name in [only] if only is not None else summary.domains():
        ds = summary.domain(name)
        verdict = verdict_for(ds)
        clean = no_sts_failures_in_last(summary, name, REPORT_WATCH_DAYS, today=today)
        outcomes[name] = ReportOutcome(verdict, clean)
        newest = ds.days[-1].day.isoformat() if ds.days else "no dated report"
        coverage.append(
            f"{name}: newest report {newest}; the verdict covers {verdict.days_covered} day(s)"
        )
        if lines:
            lines.append("")
        lines.extend(domain_text(ds, verdict))
    return Summarised(lines, read, problems, outcomes, coverage, source)


def summarise(paths: list[str], today: date | None = None) -> Summarised:
    """Headless: read the files. A worker thread."""
    from mtasts_tui.reports import summarise_paths

    summary, read, problems = summarise_paths(paths)
    return _describe(summary, read, problems, today, "files")


def summarise_store(
    domain: str | None, today: date | None = None, db: Path | None = None
) -> Summarised:
    """Headless: the store's reports for ``domain`` (all domains when None). A worker thread."""
    from mtasts_tui.reports.store import ReportStore

    with ReportStore.open(db, create=False) as store:
        selection = store.summary(domain)
        where = str(db or store_path())
    only = domain if domain is not None and domain in selection.summary.domains() else None
    return _describe(selection.summary, selection.reports, [], today, f"the store ({where})", only)


def store_has_reports(domain: str | None, db: Path | None = None) -> bool:
    """True when the store exists and holds reports for ``domain`` (any, when None)."""
    from mtasts_tui.reports.store import ReportStore
    from mtasts_tui.store.db import StoreError

    target = db or store_path()
    if not target.exists():
        return False
    try:
        with ReportStore.open(target, create=False) as store:
            return store.has_reports(domain) if domain else store.count() > 0
    except (StoreError, sqlite3.Error):
        return False


def store_path() -> Path:
    from mtasts_tui.store.db import default_db_path

    return default_db_path()


class ReportsScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, initial: str = "", domain: str | None = None) -> None:
        super().__init__()
        self.initial = initial
        self.domain = domain
        """The policy domain to look for in the store; by default, the one being inspected."""
        self.generation = 0
        """Bumped by each Summarise: only the newest run's result is shown."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="reports"):
            yield Label(
                "TLS-RPT reports: the store, or files and folders "
                "(.json, .gz, .zip, e-mail, mbox, Maildir)",
                classes="field",
            )
            with Horizontal(classes="row"):
                yield Input(
                    self.initial,
                    placeholder="~/tlsrpt-reports  (→ completes a path)",
                    id="report-path",
                    suggester=PathSuggester(),
                )
                yield Button("Summarise", id="load", variant="primary")
                yield Button("Store", id="load-store")
            yield LoadingIndicator(id="report-loading")
            yield Static(id="report-source")
            yield Static(id="report-summary")
        yield Footer()

    def on_mount(self) -> None:
        inp = self.query_one("#report-path", Input)
        inp.cursor_blink = not self.wizard.deterministic
        inp.focus()
        self.query_one("#report-loading").display = False
        if self.domain is None:
            self.domain = self._inspected_domain()
        self.generation += 1
        self._from_store(self.generation, self.domain, automatic=True)

    def _inspected_domain(self) -> str | None:
        from mtasts_tui.tui.screens.inspection import InspectionScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, InspectionScreen):
                return screen.domain.ascii
        return None

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

    @on(Button.Pressed, "#load-store")
    def action_load_store(self) -> None:
        self.generation += 1
        self._from_store(self.generation, self.domain, automatic=False)

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def _from_store(self, generation: int, domain: str | None, automatic: bool) -> None:
        """Summarise the store; when ``automatic``, only if it holds reports for ``domain``."""
        show: Callable[[], None] | None = None
        try:
            if not store_has_reports(domain):
                if automatic:
                    return
                domain = None  # the button: every domain the store holds
                if not store_has_reports(None):
                    show = partial(
                        self._failed, f"The store ({store_path()}) holds no TLS-RPT reports yet."
                    )
            if show is None:
                self.app.call_from_thread(self._if_current, generation, self._busy)
                result = summarise_store(domain, self.wizard.clock.today())
                show = partial(self._show, result)
        except Exception as exc:  # a store problem must not take the wizard down
            show = partial(self._failed, f"{type(exc).__name__}: {exc}")
        # Cancelling a thread worker only sets a flag: a slower, older run ends up here too.
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._if_current, generation, show)

    def _busy(self) -> None:
        self.query_one("#report-loading").display = True

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def _load(self, generation: int, paths: list[str]) -> None:
        try:
            result = summarise(paths, self.wizard.clock.today())
        except Exception as exc:  # a reader bug must not take the wizard down
            show: Callable[[], None] = partial(self._failed, f"{type(exc).__name__}: {exc}")
        else:
            show = partial(self._show, result)
        # Cancelling a thread worker only sets a flag: a slower, older run ends up here too.
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._if_current, generation, show)

    def _if_current(self, generation: int, show: Callable[[], None]) -> None:
        if generation == self.generation:
            show()

    def _failed(self, message: str) -> None:
        self.query_one("#report-loading").display = False
        self.query_one("#report-source", Static).update("")
        self.query_one("#report-summary", Static).update(
            Text("✗ " + one_line(message), style="red")
        )

    def _show(self, result: Summarised) -> None:
        self.wizard.report_outcomes.update(result.outcomes)
        self.query_one("#report-loading").display = False
        source = Text("From " + one_line(result.source) + "\n", style="bold")
        for line in result.coverage:
            source.append("  " + one_line(line) + "\n")
        self.query_one("#report-source", Static).update(source)
        text = Text(
            f"{result.read} report(s) read, {len(result.problems)} problem(s).\n\n", style="bold"
        )
        body = Text(printable("\n".join(result.lines)))
        body.highlight_regex("█+", "green")
        body.highlight_regex("░+", "red")
        body.highlight_regex("NOT safe to enforce", "bold red")
        body.highlight_regex(r"Verdict: safe to enforce", "bold green")
        text.append_text(body)
        if result.read == 0:
            text.append("No TLS-RPT report was found there.", style="yellow")
        if result.problems:
            text.append("\n\nProblems (skipped)\n", style="bold yellow")
            for p in result.problems:
                text.append("  • " + one_line(p.message) + "\n")
        self.query_one("#report-summary", Static).update(text)

    def action_back(self) -> None:
        self.app.pop_screen()
