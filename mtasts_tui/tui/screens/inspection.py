"""Step 2: inspect the live domain. Every check is a row that turns from spinner to result.

The probe runs in an exclusive async worker that only posts messages; each message carries the
generation it belongs to, so a reply from an older run never overwrites a newer one.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, LoadingIndicator, Static
from textual.worker import get_current_worker

from mtasts_tui.core.domain import DomainName, normalize_host
from mtasts_tui.core.facts import MODERN_TLS_VERSIONS, MxAddressProbe, MxProbe
from mtasts_tui.core.findings import sort_findings
from mtasts_tui.core.text import one_line, printable
from mtasts_tui.core.txtrecord import join_record
from mtasts_tui.probe.inspect import Inspection, StepEvent, inspect_domain
from mtasts_tui.probe.network import NetworkConfigError
from mtasts_tui.reports import combine_with_inspection
from mtasts_tui.tui.draft import Live
from mtasts_tui.tui.messages import InspectionDone, InspectionFailed, StepUpdate
from mtasts_tui.tui.screens.base import WizardScreen

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATE_ICON = {"ok": ("✓", "green"), "warning": ("!", "yellow"), "failed": ("✗", "red")}
STATE_ICON["skipped"] = ("-", "dim")
SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}
SEVERITY_TITLE = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
VERDICT_ICON: dict[bool | None, tuple[str, str]] = {
    True: ("✓", "bold green"),
    False: ("✗", "bold red"),
    None: ("?", "bold yellow"),  # nothing blocks, but something could not be verified
}


class CheckRow(Static):
    """One step: spinner while running, then icon, detail and timing."""

    def __init__(self, step: str) -> None:
        super().__init__(classes="check-row")
        self.step = step
        self.event: StepEvent | None = None

    def show(self, event: StepEvent, frame: int, elapsed: str) -> None:
        self.event = event
        text = Text()
        if event.state == "running":
            text.append(SPINNER[frame % len(SPINNER)] + " ", style="bold blue")
        else:
            icon, style = STATE_ICON.get(event.state, ("?", ""))
            text.append(icon + " ", style=f"bold {style}")
        text.append(one_line(event.label))
        if event.detail:
            text.append("  " + one_line(event.detail), style="dim")
        if elapsed:
            text.append(f"  {elapsed}", style="italic dim")
        self.update(text)


def dane_cell(result: Inspection, host: str) -> Text:
    """The DANE column, one sign wide so coverage keeps its room; the detail pane says more.

    ``-`` no TLSA; ``✓`` signed and matching; ``✗`` a mismatch; ``!`` not DNSSEC-validated.
    """
    sec = result.judgement.dns_security
    found = sec.tlsa_for(host) if sec else None
    if found is None or not found.present:
        return Text("-", style="dim")
    if found.matches is False:
        return Text("✗", style="bold red")
    if found.dnssec != "signed":
        return Text("!", style="bold yellow")
    if found.matches:
        return Text("✓", style="bold green")
    return Text("?", style="yellow")


class InspectionScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rerun", "Re-run"),
        Binding("e", "edit", "Edit"),
        Binding("h", "history", "History"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, domain: DomainName) -> None:
        super().__init__()
        self.domain = domain
        self.generation = 0
        self.inspection: Inspection | None = None
        self._frame = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="inspection"):
            yield Static(Text(self.domain.display(), style="bold"), id="title")
            yield Static(id="verdict")
            yield Static(id="since-last", markup=False)
            yield Vertical(id="checks")
            yield LoadingIndicator(id="loading")
            with Vertical(id="results"):
                yield Label("MX hosts", classes="section")
                yield DataTable(id="mx-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="mx-detail")
                with Horizontal(id="txt-row"):
                    with Vertical(id="records-box"):
                        yield Label("DNS records", classes="section")
                        yield Static(id="records", markup=False)
                    with Vertical(id="policy-box"):
                        yield Label("Live policy (as served)", classes="section")
                        yield Static(id="policy-raw", markup=False)
            yield Label("Findings", classes="section", id="findings-title")
            yield Static(id="findings")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#mx-table", DataTable)
        table.add_columns(
            "pref", "host", "verified", "STARTTLS", "certificate", "DANE", "covered by"
        )
        self.query_one("#results").display = False
        self.query_one("#findings-title").display = False
        if not self.wizard.deterministic:
            self.set_interval(0.1, self._spin)
        self.action_rerun()

    # -- running ----------------------------------------------------------------------------
    def action_rerun(self) -> None:
        self.generation += 1
        self.inspection = None
        self.query_one("#checks").remove_children()
        self.query_one("#loading").display = True
        self.query_one("#verdict", Static).update(Text("Inspecting…", style="italic"))
        self._inspect(self.generation)

    @work(exclusive=True, group="inspect", exit_on_error=False, description="inspect domain")
    async def _inspect(self, generation: int) -> None:
        def sink(event: StepEvent) -> None:
            self.post_message(StepUpdate(generation, event))

        try:
            net = self.wizard.network()
            result = await inspect_domain(self.domain, net, sink)
        except NetworkConfigError as exc:
            self.post_message(InspectionFailed(generation, str(exc)))
        except Exception as exc:  # a bug in a probe must not take the wizard down
            self.post_message(InspectionFailed(generation, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(InspectionDone(generation, result))

    def _spin(self) -> None:
        self._frame += 1
        for row in self.query(CheckRow):
            if row.event is not None and row.event.state == "running":
                row.show(row.event, self._frame, "")

    @on(StepUpdate)
    def _step(self, message: StepUpdate) -> None:
        if message.generation != self.generation:
            return  # a stale run
        event = message.event
        checks = self.query_one("#checks")
        rows = [r for r in self.query(CheckRow) if r.step == event.step]
        if rows:
            row = rows[0]
        else:
            row = CheckRow(event.step)
            # Rows keep one order whatever step starts first (the TLS-RPT destinations wait
            # for their TXT record, which races the MX answer).
            later = [r for r in self.query(CheckRow) if _rank(r.step) > _rank(event.step)]
            checks.mount(row, before=later[0] if later else None)
        row.show(event, self._frame, self.wizard.clock.elapsed(event.elapsed))

    @on(InspectionFailed)
    def _failed(self, message: InspectionFailed) -> None:
        if message.generation != self.generation:
            return
        self.query_one("#loading").display = False
        self.query_one("#verdict", Static).update(
            Text("Inspection failed: " + one_line(message.error), style="bold red")
        )

    @on(InspectionDone)
    def _done(self, message: InspectionDone) -> None:
        if message.generation != self.generation:
            return
        self.inspection = result = message.inspection
        self.query_one("#loading").display = False
        self.query_one("#results").display = True
        self.query_one("#findings-title").display = True
        self._show_verdict()
        self._fill_mx(result)
        self._fill_records(result)
        self._fill_findings(result)
        self._remember(message.generation, result)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _remember(self, generation: int, result: Inspection) -> None:
        from mtasts_tui.tui.history import since_last_line

        line = since_last_line(self.wizard.store.root, result, self.wizard.clock.now())
        if not get_current_worker().is_cancelled and generation == self.generation:
            self.app.call_from_thread(self.query_one("#since-last", Static).update, line)

    def action_history(self) -> None:
        from mtasts_tui.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.domain))

    def _show_verdict(self) -> None:
        """The enforce verdict: the live check, corrected by any TLS-RPT reports loaded (F3)."""
        result = self.inspection
        if result is None:
            return
        outcome = self.wizard.report_outcomes.get(self.domain.ascii)
        ready, line = combine_with_inspection(
            result.judgement.enforce_ready,
            result.judgement.verdict,
            outcome.verdict if outcome else None,
        )
        icon, style = VERDICT_ICON[ready]
        verdict = Text(icon + " ", style=style)
        verdict.append(one_line(line), style="bold")
        verdict.append("   " + self.wizard.clock.elapsed(result.elapsed), style="dim")
        self.query_one("#verdict", Static).update(verdict)

    def on_screen_resume(self) -> None:
        # Reports may have been loaded (F3) while this screen was covered.
        self._show_verdict()

    def _fill_mx(self, result: Inspection) -> None:
        table = self.query_one("#mx-table", DataTable)
        table.clear()
        probes = {normalize_host(p.host): p for p in result.facts.mx_probes}
        records = result.facts.mx.by_preference()
        for record in records:
            host = normalize_host(record.host)
            probe = probes.get(host)
            if probe is None:
                starttls, cert = Text("not probed", style="dim"), Text("-")
                verified = Text("-", style="dim")
            else:
                verified = _address_count(probe)
                if probe.starttls:
                    # The weakest version any address negotiated (the host is no stronger).
                    starttls = Text(one_line(probe.tls_version or "yes"), style="green")
                    if probe.tls_version and probe.tls_version not in MODERN_TLS_VERSIONS:
                        starttls.stylize("red")
                elif probe.reachable and probe.starttls is False:
                    starttls = Text("no", style="red")
                elif probe.reachable:
                    starttls = Text("-")
                else:  # port 25 blocked from here is common: inconclusive, not broken
                    starttls = Text("unreachable", style="yellow")
                if probe.cert_valid:
                    cert = Text("valid", style="green")
                elif probe.cert_valid is False:
                    cert = Text(one_line(str(probe.cert_problem or "invalid")), style="red")
                else:
                    cert = Text("-")
            patterns = result.judgement.covered_by(host)
            covered = (
                Text(one_line(", ".join(patterns)), style="green")
                if patterns
                else Text("NOT COVERED", style="bold red")
            )
            table.add_row(
                Text(str(record.preference)),
                Text(one_line(host)),
                verified,
                starttls,
                cert,
                dane_cell(result, host),
                covered,
                key=host,
            )
        self._show_mx_detail(normalize_host(records[0].host) if records else None)

    @on(DataTable.RowHighlighted, "#mx-table")
    def _mx_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_mx_detail(event.row_key.value)

    def _show_mx_detail(self, host: str | None) -> None:
        """Everything the probe saw of one MX, for the row under the cursor."""
        detail = self.query_one("#mx-detail", Static)
        probe = (
            next((p for p in self.inspection.facts.mx_probes if p.host == host), None)
            if self.inspection and host
            else None
        )
        if probe is None:
            detail.update(Text(f"{one_line(host)}: not probed" if host else "", style="dim"))
            return
        text = Text()
        text.append(one_line(probe.host), style="bold")
        text.append(f"  {_address_count(probe).plain}", style="dim")
        for a in probe.address_probes():
            text.append("\n  ")
            text.append_text(_address_line(a))
        if probe.skipped:
            shown = ", ".join(probe.skipped[:4]) + (" …" if len(probe.skipped) > 4 else "")
            text.append(f"\n  not probed (beyond the cap): {one_line(shown)}", style="yellow")
        if probe.cert_names:
            names = ", ".join(probe.cert_names[:4])
            text.append(f"\ncertificate for {one_line(names)}")
            if probe.cert_not_after:
                text.append(f", valid until {one_line(probe.cert_not_after)}")
        if probe.banner:
            text.append("\nbanner: " + one_line(probe.banner.splitlines()[0]), style="dim")
        if not probe.addresses and probe.error:
            text.append("\n" + one_line(probe.error), style="yellow")
        sec = self.inspection.judgement.dns_security if self.inspection else None
        tlsa = sec.tlsa_for(probe.host) if sec else None
        if tlsa is not None and tlsa.present:
            state = {True: "matches", False: "MISMATCH", None: "not matched"}[tlsa.matches]
            text.append(f"\nTLSA ({tlsa.dnssec}, {state}): ", style="bold")
            # Parameters only: the data is a long hash (JSON and check show it whole).
            params = [" ".join(r.split()[:3]) for r in tlsa.records[:6]]
            text.append(one_line(", ".join(params)))
            if tlsa.mismatched:
                text.append(f"  no match at {one_line(', '.join(tlsa.mismatched))}", style="red")
        detail.update(text)

    def _fill_records(self, result: Inspection) -> None:
        facts = result.facts
        text = Text()
        for title, lookup in (
            (f"_mta-sts.{facts.domain}", facts.sts),
            (f"_smtp._tls.{facts.domain}", facts.tlsrpt),
        ):
            text.append(title + "\n", style="bold")
            if lookup.records:
                for record in lookup.records:
                    text.append("  " + one_line(join_record(record)) + "\n")
            else:
                why = f": {one_line(lookup.error)}" if lookup.error else ""
                style = "yellow" if lookup.status == "error" else "dim"
                text.append(f"  ({lookup.status}{why})\n", style=style)
        sec = result.judgement.dns_security
        if sec is not None:
            how = {True: "validating", False: "not validating", None: "validation unknown"}
            text.append("DNSSEC\n", style="bold")
            text.append(f"  MX {sec.mx}, _mta-sts {sec.sts}\n")
            # Addresses without ports: the lab's port changes per run, the address is what
            # tells a user which resolver it was (check prints ip:port).
            hosts = ", ".join(part.strip().rsplit(":", 1)[0] for part in sec.resolver.split(","))
            text.append(f"  resolver {one_line(hosts)} ({how[sec.validates]})\n", style="dim")
        caa = facts.caa
        if caa is not None and caa.status == "ok":
            text.append(f"CAA at {one_line(caa.owner or caa.name)}\n", style="bold")
            for caa_record in caa.records[:4]:
                text.append("  " + one_line(caa_record.text()) + "\n")
        self.query_one("#records", Static).update(text)
        fetch = facts.policy
        if fetch is None or fetch.body is None:
            why = (
                (fetch.error or fetch.tls_error or f"HTTP {fetch.status}")
                if fetch
                else "not fetched"
            )
            raw = Text("(no policy: " + one_line(str(why)) + ")", style="dim")
        else:
            body = fetch.body.decode("utf-8", errors="replace")
            raw = Text(printable(body.replace("\r\n", "\n").replace("\r", "\\r")))
        self.query_one("#policy-raw", Static).update(raw)

    def _fill_findings(self, result: Inspection) -> None:
        findings = sort_findings(result.judgement.findings)
        text = Text()
        if not findings:
            text.append("No findings.", style="green")
        last = None
        for f in findings:
            if f.severity != last:
                if last is not None:
                    text.append("\n")
                text.append(SEVERITY_TITLE[f.severity] + "\n", style=SEVERITY_STYLE[f.severity])
                last = f.severity
            text.append("  • ", style=SEVERITY_STYLE[f.severity])
            text.append(f"[{f.code}] ", style="dim")
            text.append(one_line(f.message) + "\n")
        self.query_one("#findings", Static).update(text)

    # -- navigation -------------------------------------------------------------------------
    def action_edit(self) -> None:
        if self.inspection is None:
            self.notify("Wait for the inspection to finish.", severity="warning")
            return
        self.wizard.open_editor(self.domain, Live.from_inspection(self.inspection))

    def action_back(self) -> None:
        self.app.pop_screen()


def _address_count(probe: MxProbe) -> Text:
    """ "2/2 addresses": how many of the probed addresses passed every check."""
    addresses = probe.address_probes() if probe.address or probe.addresses else ()
    total = len(addresses) + len(probe.skipped)
    passed = sum(1 for a in addresses if a.passes)
    if total == 0:
        return Text("no address", style="yellow")
    style = "green" if passed == total else ("red" if passed else "yellow")
    return Text(f"{passed}/{total} addresses", style=style)


def _address_line(a: MxAddressProbe) -> Text:
    """One address and its own status, for the detail pane."""
    line = Text()
    line.append(f"{one_line(a.address):<16}")
    if a.passes:
        line.append(" ✓ ", style="bold green")
        line.append(f"{one_line(a.tls_version or '')} {one_line(a.cipher or '')}".rstrip())
        line.append(", certificate valid")
    elif not a.reachable or a.timed_out:
        line.append(" ! ", style="bold yellow")
        line.append(one_line(a.error or "unreachable"), style="yellow")
    else:
        line.append(" ✗ ", style="bold red")
        line.append(one_line(a.error or "STARTTLS not offered"), style="red")
    return line


_ROW_ORDER = ("dns-mx", "dns-sts", "dns-tlsrpt", "policy", "dnssec", "dns-caa", "rua", "dns-tlsa")
"""The step rows in reading order; the STARTTLS rows (``smtp:<host>``) follow in MX order."""


def _rank(step: str) -> int:
    return _ROW_ORDER.index(step) if step in _ROW_ORDER else len(_ROW_ORDER)
