"""The wizard app: domain → inspection → edit → review → export, one screen per file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.probe.network import Network, ProbeConfig
from mtasts_tui.reports import Verdict
from mtasts_tui.tui.clock import Clock
from mtasts_tui.tui.commands import WizardCommands
from mtasts_tui.tui.draft import Draft, Live
from mtasts_tui.tui.store import Store


@dataclass(frozen=True)
class ReportOutcome:
    """What the TLS-RPT reports loaded in this session say about one domain."""

    verdict: Verdict
    clean_recently: bool | None
    """No STS failure in the checklist's watch window: True, False, or None (cannot tell)."""


class WizardApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "mtasts-tui"
    SUB_TITLE = "MTA-STS & TLS-RPT wizard"
    COMMANDS = App.COMMANDS | {WizardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "toggle_theme", "Theme"),
        Binding("f3", "reports", "Reports"),
    ]

    def __init__(
        self,
        config: ProbeConfig | None = None,
        domain: str | None = None,
        *,
        store: Store | None = None,
        deterministic: bool = False,
        banner: str = "",
    ) -> None:
        super().__init__()
        self.config = config or ProbeConfig()
        self.start_domain = domain
        self.store = store or Store()
        self.clock = Clock(deterministic)
        self.deterministic = deterministic
        self.banner = banner
        self._network: Network | None = None
        self.report_outcomes: dict[str, ReportOutcome] = {}
        """Per policy domain, from the Reports screen: feeds the verdict line and checklist."""

    # -- shared services --------------------------------------------------------------------
    def network(self) -> Network:
        """Built once, on first use (inside a worker): may raise NetworkConfigError."""
        if self._network is None:
            self._network = Network.from_config(self.config)
        return self._network

    def save_state(self) -> None:
        """Flush queued drafts/ticks/recent domains to disk from a thread."""
        self.run_worker(
            self.store.flush,
            thread=True,
            group="store",
            description="save state",
            exit_on_error=False,
        )

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker failure ends up here as a notification, never as a crash."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        what = event.worker.description or event.worker.name or "background task"
        self.notify(
            f"{what} failed: {type(error).__name__}: {error}",
            title="Error",
            severity="error",
            timeout=8,
            markup=False,
        )

    # -- navigation -------------------------------------------------------------------------
    def on_mount(self) -> None:
        from mtasts_tui.tui.screens.domain import DomainScreen

        self.push_screen(DomainScreen(self.start_domain or ""))
        if self.start_domain:
            parsed = parse_domain(self.start_domain)
            if isinstance(parsed, DomainName):
                self.open_inspection(parsed)

    def open_inspection(self, domain: DomainName) -> None:
        from mtasts_tui.tui.screens.inspection import InspectionScreen

        self.store.queue_recent(domain.ascii)
        self.save_state()
        self.push_screen(InspectionScreen(domain))

    def open_editor(self, domain: DomainName, live: Live, offline: bool = False) -> None:
        from mtasts_tui.tui.screens.edit import EditScreen

        saved = Draft.from_json(self.store.draft(domain.ascii))
        self.push_screen(EditScreen(domain, live, saved, self.clock.now(), offline=offline))

    def action_go_domain(self) -> None:
        from mtasts_tui.tui.screens.domain import DomainScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, DomainScreen):  # pragma: no cover - defensive
            self.push_screen(DomainScreen(""))
        self.screen.query_one("#domain").focus()

    def action_reports(self) -> None:
        from mtasts_tui.tui.screens.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def action_offline(self) -> None:
        from mtasts_tui.tui.screens.domain import DomainScreen

        self.action_go_domain()
        if isinstance(self.screen, DomainScreen):
            self.screen.action_offline()

    def action_help(self) -> None:
        from mtasts_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def run_palette(self, action: str) -> None:
        if action.startswith("screen."):
            name = action.removeprefix("screen.")
            if hasattr(self.screen, f"action_{name}"):
                await self.screen.run_action(name)
            else:
                self.notify(f"Not available on this screen: {name}", severity="warning")
            return
        await self.run_action(action)
