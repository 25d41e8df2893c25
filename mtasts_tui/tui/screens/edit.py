"""Step 3: edit the draft. The core validates every field as you type; the preview follows."""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Static,
    TextArea,
)

from mtasts_tui.core.domain import DomainName
from mtasts_tui.core.policy import MODE_EXPLANATIONS, MODES, describe_duration, parse_mode
from mtasts_tui.core.policyid import new_policy_id
from mtasts_tui.core.stsrecord import sts_record_value
from mtasts_tui.core.text import one_line, printable
from mtasts_tui.core.tlsrpt import tlsrpt_record_value
from mtasts_tui.tui.draft import Draft, DraftCheck, Live, check_draft
from mtasts_tui.tui.screens.base import WizardScreen

PRESETS = (("1 hour", 3600), ("1 day", 86_400), ("1 week", 604_800), ("1 year", 31_557_600))
_SPLIT = re.compile(r"[\s,]+")


def ok_text(message: str) -> Text:
    return Text("✓ " + message, style="green")


def problem_text(message: str) -> Text:
    return Text("✗ " + one_line(message), style="red")


class ModeSet(RadioSet):
    """The mode buttons: the highlight starts on the chosen mode; 1, 2, 3 pick one directly."""

    # The digits are on the buttons themselves; in the footer they would push "Quit" off an
    # 80-column screen.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(i), f"pick({i - 1})", mode, show=False) for i, mode in enumerate(MODES, start=1)
    ]

    def on_focus(self) -> None:
        # RadioSet highlights its first button on mount; on focus, move it to the pressed one,
        # so that enter keeps the chosen mode instead of picking whatever sat first.
        pressed = self.pressed_index
        if pressed >= 0:
            self._selected = pressed

    def action_pick(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True
            self._selected = index


class EditScreen(WizardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "review", "Review"),
        Binding("ctrl+n", "new_id", "New id"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        domain: DomainName,
        live: Live,
        saved: Draft | None,
        now: datetime,
        offline: bool = False,
    ) -> None:
        super().__init__()
        self.domain = domain
        self.live = live
        self.offline = offline
        self.resumed = saved is not None
        self.draft = saved or Draft.initial(domain.ascii, live, now)
        self.check: DraftCheck = check_draft(self.draft, live)
        self.mode = self.draft.mode
        """The chosen mode, kept here: RadioSet learns a pressed button one message later."""
        self._ready = False
        self._type_ahead: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        d = self.draft
        yield Header()
        with Horizontal(id="edit"):
            with VerticalScroll(id="form"):
                title = Text("Draft policy for ", style="bold")
                title.append(self.domain.display(), style="bold")
                if self.resumed:
                    title.append("  (resumed saved draft)", style="italic dim")
                elif self.offline:
                    title.append("  (offline)", style="italic dim")
                yield Static(title, id="edit-title")
                yield Label("mode", classes="field")
                with ModeSet(id="mode"):
                    for i, mode in enumerate(MODES, start=1):
                        label = Text(f"{i} ", style="bold")
                        label.append(mode, style="not bold")
                        yield RadioButton(label, value=mode == d.mode, id=f"mode-{mode}")
                yield Static(id="mode-help")
                yield Label(
                    "mx patterns, one per line; *.example.com matches one label", classes="field"
                )
                yield TextArea("\n".join(d.mx), id="mx", soft_wrap=False, show_line_numbers=False)
                yield Static(id="mx-status")
                yield Label("max_age (seconds)", classes="field")
                with Horizontal(classes="row"):
                    yield Input(d.max_age, id="max-age", classes="short")
                    for name, seconds in PRESETS:
                        yield Button(name, id=f"preset-{seconds}", classes="preset", compact=True)
                yield Static(id="max-age-status")
                yield Label(
                    "TLS-RPT destinations (mailto: or https:, comma separated)", classes="field"
                )
                yield Input(", ".join(d.rua), id="rua")
                yield Static(id="rua-status")
                yield Label("policy id", classes="field")
                with Horizontal(classes="row"):
                    yield Input(d.policy_id, id="policy-id", classes="short")
                    yield Button("New id (ctrl+n)", id="new-id", compact=True)
                yield Static(id="id-status")
                with Horizontal(classes="buttons"):
                    yield Button("Review (ctrl+r)", id="review", variant="primary")
                    yield Button("Start over from live", id="reset")
            with VerticalScroll(id="preview-box"):
                yield Label("Policy file preview", classes="section")
                yield Static(id="preview", markup=False)
                yield Label("TXT records", classes="section")
                yield Static(id="txt-preview", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        blink = not self.wizard.deterministic
        for inp in self.query(Input):
            inp.cursor_blink = blink
        self.query_one("#mx", TextArea).cursor_blink = blink
        self._ready = True
        self._refresh(save=False)
        area = self.query_one("#mx", TextArea)
        area.focus()
        for key, character in self._type_ahead:
            area.post_message(events.Key(key, character))
        self._type_ahead.clear()
        if self.resumed:
            self.notify("Resumed the draft saved for this domain.", timeout=3)

    def type_ahead(self, key: str, character: str | None) -> None:
        """A key typed right after `e`, which went to the screen being left (or to this one
        before anything had focus): it belongs in the mx field, where typing starts."""
        if not self._ready:
            self._type_ahead.append((key, character))
            return
        area = self.query_one("#mx", TextArea)
        # Only while focus is still where a new screen puts it (nowhere, or the form's scroll
        # container) or already in the field: never when the user chose a button or the modes.
        focused = self.focused
        if focused is None or focused is area or focused.id == "form":
            area.focus()
            area.post_message(events.Key(key, character))

    # -- reading the form -------------------------------------------------------------------
    def _form_draft(self) -> Draft:
        mx_lines = self.query_one("#mx", TextArea).text.split("\n")
        rua_text = self.query_one("#rua", Input).value
        return Draft(
            mode=self.mode,
            mx=tuple(line.strip() for line in mx_lines if line.strip()),
            max_age=self.query_one("#max-age", Input).value,
            rua=tuple(part for part in _SPLIT.split(rua_text) if part),
            policy_id=self.query_one("#policy-id", Input).value.strip(),
        )

    @on(RadioSet.Changed, "#mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        self.mode = parse_mode((event.pressed.id or "").removeprefix("mode-")) or self.mode
        self._field_changed()

    @on(TextArea.Changed)
    @on(Input.Changed, "#max-age, #rua")
    def _field_changed(self) -> None:
        if self._ready:
            self._update(self._form_draft(), bump=True)

    @on(Input.Changed, "#policy-id")
    def _id_changed(self) -> None:
        if self._ready:
            self._update(self._form_draft(), bump=False)

    def _update(self, draft: Draft, bump: bool) -> None:
        """The one state update: every change to the form lands here, and all views follow.

        No change is ever ignored: the id field's own Changed event, posted when a bump writes
        it, reads back the same draft and stops at the equality check below.
        """
        if bump:
            fresh = draft.with_fresh_id(self.live, self.wizard.clock.now())
            if fresh.policy_id != draft.policy_id:
                draft = fresh
                self.query_one("#policy-id", Input).value = draft.policy_id
        if draft == self.draft:
            return
        self.draft = draft
        self._refresh(save=True)

    # -- showing ----------------------------------------------------------------------------
    def _refresh(self, save: bool) -> None:
        d = self.draft
        self.check = c = check_draft(d, self.live)
        self.query_one("#mode-help", Static).update(Text(MODE_EXPLANATIONS[d.mode], style="italic"))
        self.query_one("#mx-status", Static).update(self._mx_status(c))
        age = d.max_age_int()
        if c.max_age:
            self.query_one("#max-age-status", Static).update(problem_text(c.max_age))
        else:
            self.query_one("#max-age-status", Static).update(
                ok_text(describe_duration(age or 0) if age else "0 seconds: senders do not cache")
            )
        rua_status = Text()
        if not d.rua:
            rua_status = Text(
                "! no destination: you will not see what enforce would block", style="yellow"
            )
        for i, uri in enumerate(d.rua):
            if i in c.rua:
                rua_status.append_text(problem_text(f"{uri}: {c.rua[i]}"))
            else:
                rua_status.append_text(ok_text(one_line(uri)))
            rua_status.append("\n")
        rua_status.rstrip()
        self.query_one("#rua-status", Static).update(rua_status)
        if c.policy_id:
            self.query_one("#id-status", Static).update(problem_text(c.policy_id))
        else:
            note = (
                "unchanged policy keeps the live id"
                if d.policy_id == self.live.policy_id
                else "new id: senders refetch the policy"
            )
            self.query_one("#id-status", Static).update(ok_text(note))
        rendered = d.rendered()
        if rendered is None:
            preview = Text("(fix max_age to see the file)", style="dim")
        else:
            preview = Text(printable(rendered.replace("\r\n", "\n")))
            if c.policy is not None:
                for f in c.policy.findings:
                    if f.severity == "error":
                        preview.append("\n✗ " + one_line(f.message), style="red")
        self.query_one("#preview", Static).update(preview)
        txt = Text()
        txt.append(f"_mta-sts.{self.domain.ascii}\n", style="bold")
        txt.append("  " + one_line(sts_record_value(d.policy_id)) + "\n")
        if d.rua:
            txt.append(f"_smtp._tls.{self.domain.ascii}\n", style="bold")
            txt.append("  " + one_line(tlsrpt_record_value(d.rua)))
        self.query_one("#txt-preview", Static).update(txt)
        if save:
            self.wizard.store.queue_draft(self.domain.ascii, d.to_json())
            self.wizard.save_state()

    def _mx_status(self, c: DraftCheck) -> Text:
        d = self.draft
        text = Text()
        if c.mx_general:
            text.append_text(problem_text(c.mx_general))
            text.append("\n")
        for i, pattern in enumerate(d.mx):
            if i in c.mx:
                text.append_text(problem_text(f"{pattern}: {c.mx[i]}"))
            else:
                hosts = [h for h, pats in c.coverage.items() if pattern in pats]
                unused = not hosts and bool(self.live.hosts)
                text.append("! " if unused else "✓ ", style="yellow" if unused else "green")
                text.append(one_line(pattern))
                if hosts:
                    text.append(" covers " + ", ".join(hosts), style="dim")
                elif unused:
                    text.append(" covers no current MX (remove it if unused)", style="yellow")
            text.append("\n")
        for host in c.uncovered:
            text.append("✗ MX ", style="bold red")
            text.append(one_line(host), style="bold")
            text.append(" is not covered: would be refused in enforce\n", style="red")
        if not self.live.hosts:
            text.append("(no live MX known: coverage not checked)", style="dim")
        text.rstrip()
        return text

    # -- actions ----------------------------------------------------------------------------
    @on(Button.Pressed, ".preset")
    def _preset(self, event: Button.Pressed) -> None:
        seconds = (event.button.id or "").removeprefix("preset-")
        self.query_one("#max-age", Input).value = seconds

    @on(Button.Pressed, "#new-id")
    def action_new_id(self) -> None:
        self.query_one("#policy-id", Input).value = new_policy_id(
            self.wizard.clock.now(), self.draft.policy_id
        )

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        fresh = Draft.initial(self.domain.ascii, self.live, self.wizard.clock.now())
        self.query_one(f"#mode-{fresh.mode}", RadioButton).value = True
        self.mode = fresh.mode
        self.query_one("#mx", TextArea).text = "\n".join(fresh.mx)
        self.query_one("#max-age", Input).value = fresh.max_age
        self.query_one("#rua", Input).value = ", ".join(fresh.rua)
        self.query_one("#policy-id", Input).value = fresh.policy_id
        self.draft = fresh
        self._refresh(save=True)

    @on(Button.Pressed, "#review")
    def action_review(self) -> None:
        from mtasts_tui.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.domain, self.live, self.draft))

    def action_back(self) -> None:
        self.app.pop_screen()
