"""Step 5: write the bundle, copy record values, tick off the rollout checklist."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    SelectionList,
    Static,
)
from textual.worker import get_current_worker

from mtasts_tui.core.bundle import (
    DEFAULT_DNS,
    DEFAULT_HOSTING,
    DNS_TARGETS,
    BundleSpec,
    build_bundle,
    dns_records,
)
from mtasts_tui.core.checklist import REPORT_WATCH_DAYS, checklist_items
from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.draft import validate_draft
from mtasts_tui.core.hosting import HOSTING_TARGETS
from mtasts_tui.core.text import one_line
from mtasts_tui.fs.bundle import BundleExistsError, ExportError, write_bundle
from mtasts_tui.tui.draft import Draft, Live, bundle_spec, check_draft
from mtasts_tui.tui.screens.base import WizardScreen
from mtasts_tui.tui.screens.confirm import ConfirmScreen

HOSTING_LABELS = {
    "nginx": "nginx",
    "caddy": "Caddy",
    "apache": "Apache 2.4",
    "worker": "Cloudflare Worker",
    "pages": "GitHub Pages",
    "k8s": "Kubernetes",
}
DNS_LABELS = {
    "bind": "BIND zone lines",
    "forms": "web-form values",
    "octodns": "octoDNS",
    "dnscontrol": "DNSControl",
    "terraform-cloudflare": "Terraform Cloudflare",
    "terraform-route53": "Terraform Route 53",
    "route53": "Route 53 batch",
}


class ExportScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "write", "Write"),
        Binding("c", "copy", "Copy record"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, domain: DomainName, live: Live, draft: Draft) -> None:
        super().__init__()
        self.domain = domain
        self.live = live
        self.draft = draft
        self.spec: BundleSpec | list[str] = []
        self._ticks_loaded = False
        self.generation = 0
        """Bumped by each write: only the newest write's outcome is shown."""
        self._step_text: dict[str, str] = {}
        """Full text of each checklist step: the list cuts long ones, the detail shows them."""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="export"):
            yield Static(Text("Export: " + self.domain.display(), style="bold"))
            yield Label("Folder", classes="field")
            with Horizontal(classes="row"):
                yield Input(f"./mta-sts-{self.domain.ascii}", id="folder")
                yield Button("Write (ctrl+s)", id="write", variant="primary")
            yield Checkbox("Overwrite existing files", id="force")
            with Horizontal(id="targets"):
                yield SelectionList[str](
                    *[(HOSTING_LABELS[t], t, t in DEFAULT_HOSTING) for t in HOSTING_TARGETS],
                    id="hosting",
                )
                yield SelectionList[str](
                    *[(DNS_LABELS[t], t, t in DEFAULT_DNS) for t in DNS_TARGETS], id="dns"
                )
            yield Static(id="written")
            yield Label("DNS records (enter or c copies the selected value)", classes="section")
            yield DataTable(id="records", cursor_type="row")
            yield Label(
                "Rollout checklist (space ticks a step; saved per domain)", classes="section"
            )
            yield SelectionList[str](id="checklist")
            yield Static(id="checklist-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).cursor_blink = not self.wizard.deterministic
        self.query_one("#hosting", SelectionList).border_title = "Web host files (space)"
        self.query_one("#dns", SelectionList).border_title = "DNS formats (space)"
        self.spec = bundle_spec(self.domain.ascii, self.draft, self.wizard.clock.today(), self.live)
        table = self.query_one("#records", DataTable)
        table.add_columns("name", "type", "value")
        written = self.query_one("#written", Static)
        problems = list(self.spec) if isinstance(self.spec, list) else []
        check = check_draft(self.draft, self.live)
        # A malformed id is already among the bundle's problems; what only the live state can
        # tell (the policy changed, the id did not) is added here.
        if check.policy_id and not validate_draft(self.draft.fields()).of("policy_id"):
            problems.append(check.policy_id)
        if problems:
            self.query_one("#write", Button).disabled = True
            written.update(Text("✗ " + "\n✗ ".join(one_line(p) for p in problems), style="red"))
            return
        assert isinstance(self.spec, BundleSpec)
        for name, rrtype, value in dns_records(self.spec):
            table.add_row(Text(name), Text(rrtype), Text(one_line(value)), key=name)
        checklist = self.query_one("#checklist", SelectionList)
        spec = self.spec
        for item in checklist_items(
            spec.domain.ascii,
            spec.policy,
            spec.policy_id,
            bool(spec.rua),
            spec.created,
            caa_records=spec.caa_records_to_add,
        ):
            label = item.plain
            outcome = self.wizard.report_outcomes.get(spec.domain.ascii)
            if item.key == "watch-reports" and outcome is not None:
                label += {
                    True: f" Loaded reports: no STS failures in the last {REPORT_WATCH_DAYS} days.",
                    False: f" Loaded reports: STS failures in the last {REPORT_WATCH_DAYS} days!",
                    None: " Loaded reports: no MTA-STS sessions in that window yet.",
                }[outcome.clean_recently]
            checklist.add_option((Text(one_line(label)), item.key))
            self._step_text[item.key] = label
        written.update(Text("Not written yet.", style="dim"))
        self._load_ticks()

    @work(thread=True, exclusive=True, group="ticks", exit_on_error=False)
    def _load_ticks(self) -> None:
        ticks = self.wizard.store.ticks(self.domain.ascii)
        self.app.call_from_thread(self._show_ticks, ticks)

    def _show_ticks(self, ticks: list[str]) -> None:
        checklist = self.query_one("#checklist", SelectionList)
        known = {checklist.get_option_at_index(i).value for i in range(checklist.option_count)}
        for key in ticks:
            if key in known:
                checklist.select(key)
        self._ticks_loaded = True

    @on(SelectionList.SelectionHighlighted, "#checklist")
    def _highlighted(self, event: SelectionList.SelectionHighlighted[str]) -> None:
        text = self._step_text.get(event.selection.value, "")
        self.query_one("#checklist-detail", Static).update(Text(one_line(text)))

    @on(SelectionList.SelectedChanged, "#checklist")
    def _ticked(self) -> None:
        if not self._ticks_loaded:
            return
        selected = list(self.query_one("#checklist", SelectionList).selected)
        self.wizard.store.queue_ticks(self.domain.ascii, selected)
        self.wizard.save_state()

    @on(Input.Submitted, "#folder")
    @on(Button.Pressed, "#write")
    def action_write(self) -> None:
        if not isinstance(self.spec, BundleSpec) or self.query_one("#write", Button).disabled:
            self.notify("The draft has problems; go back and fix them.", severity="error")
            return
        folder = self.query_one("#folder", Input).value.strip()
        if not folder:
            self.notify("Give a folder.", severity="warning")
            return
        force = self.query_one("#force", Checkbox).value
        hosting = self.query_one("#hosting", SelectionList).selected
        dns = self.query_one("#dns", SelectionList).selected
        files = build_bundle(
            self.spec,
            hosting=[t for t in HOSTING_TARGETS if t in hosting],
            dns=[t for t in DNS_TARGETS if t in dns],
        )
        self.query_one("#written", Static).update(Text("Writing…", style="italic"))
        self.generation += 1
        self._write(self.generation, folder, files, force)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, generation: int, folder: str, files: dict[str, str], force: bool) -> None:
        ask: str | None = None
        try:
            paths = write_bundle(Path(folder), files, force=force)
        except BundleExistsError as exc:
            text = Text(
                f"✗ {one_line(str(exc))}\nTick 'Overwrite existing files' to replace them.",
                style="red",
            )
            ok = False
            ask = str(exc)
        except ExportError as exc:
            text, ok = Text("✗ " + one_line(str(exc)), style="red"), False
        else:
            text = Text(f"✓ Wrote {len(paths)} files to {folder}:\n", style="green")
            for rel in files:
                text.append(f"  {folder.rstrip('/')}/{rel}\n", style="")
            text.rstrip()
            ok = True
        # Cancelling a thread worker only sets a flag: a slower, older write ends up here too.
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._written, generation, text, ok)
            if ask is not None:
                self.app.call_from_thread(self._ask_if_current, generation, folder, files, ask)

    def _ask_if_current(
        self, generation: int, folder: str, files: dict[str, str], why: str
    ) -> None:
        if generation == self.generation:
            self._ask_overwrite(folder, files, why)

    def _ask_overwrite(self, folder: str, files: dict[str, str], why: str) -> None:
        """The folder is not empty: write into it only if the user says so."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#written", Static).update(Text("Writing…", style="italic"))
                self.generation += 1
                self._write(self.generation, folder, files, True)

        question = (
            f"{why.split('; nothing was written')[0]}.\n\nWrite the bundle into this folder "
            "anyway? Files of the bundle are replaced; other files are left as they are."
        )
        self.app.push_screen(ConfirmScreen(question), answered)

    def _written(self, generation: int, text: Text, ok: bool) -> None:
        if generation != self.generation:
            return
        self.query_one("#written", Static).update(text)
        if ok:
            self.notify("Bundle written.")

    @on(DataTable.RowSelected, "#records")
    def _row_selected(self) -> None:
        self.action_copy()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a text field, c types a letter: neither offer nor run "copy" there.
        return not (action == "copy" and isinstance(self.focused, Input))

    def action_copy(self) -> None:
        if not isinstance(self.spec, BundleSpec):
            return
        table = self.query_one("#records", DataTable)
        records = dns_records(self.spec)
        if not records:
            return
        row = min(max(table.cursor_row, 0), len(records) - 1)
        name, _, value = records[row]
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied the value of {name}.")

    def action_back(self) -> None:
        self.app.pop_screen()
