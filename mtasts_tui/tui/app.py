"""The wizard app: domain → inspection → edit → review → export, one screen per file.

The first frame comes first (issue 12): this module imports neither the probes (httpx, dnspython,
cryptography) nor the lab. They load in thread workers once the domain screen is drawn, and
`--demo` starts its lab the same way, showing its progress on the domain screen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState, get_current_worker

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.probe.network import ProbeConfig
from mtasts_tui.tui.clock import Clock
from mtasts_tui.tui.commands import WizardCommands
from mtasts_tui.tui.store import Store

if TYPE_CHECKING:
    from mtasts_tui.probe.network import Network
    from mtasts_tui.reports import Verdict
    from mtasts_tui.tui.draft import Live

QUIT_DRAIN_SECONDS = 1.0
DEMO_STARTING = "Demo: starting the loopback lab (DNS, HTTPS with a test CA, SMTP)…"


@dataclass(frozen=True)
class DemoLab:
    """A running demo lab, as the wizard needs it; `mtasts_tui.wizard` builds it, so that the
    Textual layer never imports the lab."""

    config: ProbeConfig
    """Probe settings aimed at the lab (its DNS server, its CA)."""
    banner: str
    """What the domain screen says about the demo."""
    domain: str
    """The domain the demo opens on."""
    stop: Callable[[], None]


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
        # Out of the footer so that it fits 80 columns; F1 help and the palette both name it.
        Binding("f2", "toggle_theme", "Theme", show=False),
        Binding("f3", "reports", "Reports"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        config: ProbeConfig | None = None,
        domain: str | None = None,
        *,
        store: Store | None = None,
        deterministic: bool = False,
        banner: str = "",
        demo: Callable[[ProbeConfig], DemoLab] | None = None,
    ) -> None:
        super().__init__()
        self.config = config or ProbeConfig()
        self.start_domain = domain
        self.store = store or Store()
        self.clock = Clock(deterministic)
        self.deterministic = deterministic
        self.demo = demo
        """Starts the demo lab (`mtasts-tui --demo`); called in a worker after the first frame."""
        self.banner = DEMO_STARTING if demo and not banner else banner
        self._network: Network | None = None
        self.report_outcomes: dict[str, ReportOutcome] = {}
        """Per policy domain, from the Reports screen: feeds the verdict line and checklist."""
        self.demo_lab: DemoLab | None = None
        """The demo lab once it runs; `stop_demo` stops it (the wizard calls it on exit)."""
        self.lab_state = "starting" if demo is not None else "none"
        """none (no demo), starting, ready or failed."""
        self._lab_lock = threading.Lock()
        self._lab_closed = False
        self._quit_deadline = 0.0
        self._started_background = False
        self._after_lab: DomainName | None = None
        """A domain the user asked to inspect while the demo lab was still starting."""

    # -- shared services --------------------------------------------------------------------
    def network(self) -> Network:
        """Built once, on first use (inside a worker): may raise NetworkConfigError."""
        from mtasts_tui.probe.network import Network

        if self._network is None:
            self._network = Network.from_config(self.config)
        return self._network

    def flush_now(self) -> str | None:
        """Write pending drafts and ticks synchronously: on quit and on every screen change,
        so keys typed just before either are never lost (the worker flush may not have run).
        Returns what went wrong, after saying it in a notification."""
        try:
            self.store.flush()
        except OSError as exc:
            problem = f"Could not save: {exc}"
            self.notify(problem, severity="error", markup=False)
            return problem
        return None

    async def action_quit(self) -> None:
        # ctrl+q is a priority binding: it runs while keys typed just before it may still be on
        # their way (in a widget's queue, or bubbling back to the app after the screen they were
        # sent to was left). Let them all land, for at most QUIT_DRAIN_SECONDS, then save and go.
        # Polling by timer, not by awaiting here, keeps the app's own queue moving meanwhile.
        self._quit_deadline = time.monotonic() + QUIT_DRAIN_SECONDS
        self.call_later(self._quit_when_settled)

    def _quit_when_settled(self) -> None:
        busy = self.message_queue_size > 0 or any(
            node.message_queue_size
            for screen in self.screen_stack
            for node in screen.walk_children(with_self=True)
        )
        if busy and time.monotonic() < self._quit_deadline:
            self.set_timer(0.005, self._quit_when_settled)
            return
        problem = self.flush_now()
        if problem is None:
            self.exit()
        else:  # the notification dies with the screen: say it on the terminal as well
            self.exit(return_code=1, message=Text(f"mtasts-tui: {problem}"))

    # -- after the first frame: heavy imports and the demo lab, in workers --------------------
    def after_first_frame(self) -> None:
        """Called by the domain screen once it has been drawn: now the heavy work may start."""
        if self._started_background:
            return
        self._started_background = True
        self._preload()
        if self.demo is not None:
            self._start_demo()
        elif self.start_domain:
            parsed = parse_domain(self.start_domain)
            if isinstance(parsed, DomainName):
                self.open_inspection(parsed)

    @work(thread=True, group="preload", exit_on_error=False, description="load the probes")
    def _preload(self) -> None:
        # The inspection screen pulls in the probes (httpx, dnspython, cryptography), the editor
        # TextArea: import them here, off the event loop, so neither the first frame nor the
        # first enter or `e` waits for them.
        import mtasts_tui.tui.screens.edit
        import mtasts_tui.tui.screens.inspection  # noqa: F401

    @work(thread=True, group="demo", exit_on_error=False, description="start the demo lab")
    def _start_demo(self) -> None:
        assert self.demo is not None
        started = time.monotonic()
        self.call_from_thread(self._demo_progress, DEMO_STARTING + " minting certificates")
        try:
            lab = self.demo(self.config)
        except Exception as exc:  # the wizard stays usable offline; say what went wrong
            self.call_from_thread(self._demo_failed, f"{type(exc).__name__}: {exc}")
            return
        with self._lab_lock:
            if self._lab_closed or get_current_worker().is_cancelled:
                lab.stop()  # the wizard quit while the lab was starting
                return
            self.demo_lab = lab
        elapsed = time.monotonic() - started
        self.call_from_thread(self._demo_ready, lab, elapsed)

    def _demo_progress(self, text: str) -> None:
        self._show_banner(text)

    def _demo_failed(self, message: str) -> None:
        self.lab_state = "failed"
        self._show_banner("✗ The demo lab could not start: " + message)
        self.notify("The demo lab could not start.", severity="error")

    def _demo_ready(self, lab: DemoLab, took: float) -> None:
        self.config = lab.config
        self._network = None
        self.lab_state = "ready"
        self._show_banner(lab.banner)
        if not self.deterministic:
            self.notify(f"Demo lab ready ({took:.1f} s).", timeout=3)
        from mtasts_tui.tui.screens.domain import DomainScreen

        wanted, self._after_lab = self._after_lab, None
        if wanted is None and isinstance(self.screen, DomainScreen) and self.screen.untouched():
            # Nobody has started typing or moved on: open the demo domain, as --demo promises.
            parsed = parse_domain(self.start_domain or lab.domain)
            if isinstance(parsed, DomainName):
                self.screen.set_domain(parsed.unicode)
                wanted = parsed
        if wanted is not None:
            self.open_inspection(wanted)

    def _show_banner(self, text: str) -> None:
        from mtasts_tui.tui.screens.domain import DomainScreen

        self.banner = text
        for screen in self.screen_stack:
            if isinstance(screen, DomainScreen):
                screen.show_banner(text)

    def stop_demo(self) -> None:
        """Stop the demo lab, now or as soon as it has started (idempotent)."""
        with self._lab_lock:
            self._lab_closed = True
            lab, self.demo_lab = self.demo_lab, None
        if lab is not None:
            lab.stop()

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

    def on_key(self, event: events.Key) -> None:
        # A key nobody took. Right after `e`, keys typed in the same breath were sent to the
        # screen being left; if the editor is up now, they are the user's first keystrokes there.
        from mtasts_tui.tui.screens.edit import EditScreen

        screen = self.screen
        typing = event.is_printable or event.key in ("enter", "backspace")
        if typing and isinstance(screen, EditScreen) and event.key not in screen.active_bindings:
            event.stop()
            screen.type_ahead(event.key, event.character)

    # -- navigation -------------------------------------------------------------------------
    def on_mount(self) -> None:
        from mtasts_tui.tui.screens.domain import DomainScreen

        self.push_screen(DomainScreen(self.start_domain or ""))

    def on_unmount(self) -> None:
        self.flush_now()
        self.stop_demo()

    def open_inspection(self, domain: DomainName) -> None:
        if self.lab_state == "starting":
            self._after_lab = domain
            self.notify("The demo lab is still starting: the inspection opens when it is ready.")
            return
        if self.lab_state == "failed":
            self.notify(
                "The demo lab did not start, so there is nothing to inspect: quit and run "
                "mtasts-tui without --demo.",
                severity="error",
            )
            return
        from mtasts_tui.tui.screens.inspection import InspectionScreen

        self.store.queue_recent(domain.ascii)
        self.save_state()
        self.push_screen(InspectionScreen(domain))

    def open_editor(self, domain: DomainName, live: Live, offline: bool = False) -> None:
        from mtasts_tui.tui.draft import Draft
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
