"""F1 / ?: what each screen does and its keys."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): inspect, draft, review, export.

Screens
  1 Domain      type a domain: enter inspects, ctrl+o drafts offline
  2 Inspection  live checks, MX table, DNS records, live policy, findings
  3 Edit        mode (1 2 3 pick it), mx patterns, max_age, reports, id
  4 Review      live vs draft, what changes for senders, cache horizon
  5 Export      write the bundle, copy records, tick the rollout plan
  F3 Reports    TLS-RPT reports, summarised with a per-day chart; their
                verdict joins the inspection's and the checklist's
                (→ completes paths)

Keys
  F1 / ?    this help              ctrl+p   command palette
  F2        dark / light theme     escape   back one screen
  r         re-run (inspection)    e        edit the draft (inspection)
  ctrl+r    review (edit)          ctrl+n   new policy id (edit)
  x         export (review)        c        copy a record (export table)
  ctrl+s    write bundle (export)  ctrl+q   quit (saves the draft first)
  h         history: changes per check and policy diffs (inspection)

Drafts are saved on every change and resumed when you reopen the domain.
Remote text (records, policies, banners) is shown literally.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(HELP), id="help-text")
            yield Static(Text("escape closes · ctrl+q quits", style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
