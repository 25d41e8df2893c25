"""The rollout plan: what to publish in which order, and how to ramp up to enforce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mtasts_tui.core.policy import (
    MAX_AGE_LIMIT,
    ONE_DAY,
    ONE_WEEK,
    POLICY_URL_PATH,
    Mode,
    Policy,
    describe_duration,
)

THIRTY_DAYS = 30 * ONE_DAY
MAX_AGE_LADDER = (ONE_DAY, ONE_WEEK, THIRTY_DAYS, MAX_AGE_LIMIT)
"""The max_age steps of the ramp: 1 day, 1 week, 30 days, 1 year."""
TESTING_PERIOD = timedelta(days=14)
STEP_PERIOD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RampStep:
    not_before: date
    """The earliest day to make this change, if the reports stay clean."""
    mode: Mode
    max_age: int
    note: str


def ramp(policy: Policy, start: date) -> list[RampStep]:
    """From the policy being published today to enforce with a one-year max_age.

    Testing comes first for at least two weeks of reports; then enforce with a short max_age so a
    mistake expires quickly, raised one rung at a time. Each step is a policy change, so each
    needs a new id.
    """
    steps = [RampStep(start, policy.mode, policy.max_age, "publish this bundle")]
    if policy.mode == "none":
        return steps
    day = start
    if policy.mode == "testing":
        day += TESTING_PERIOD
        steps.append(
            RampStep(
                day,
                "enforce",
                ONE_DAY,
                "switch to enforce once two weeks of reports show no STS failures",
            )
        )
        current = ONE_DAY
    else:
        current = policy.max_age
    for rung in MAX_AGE_LADDER:
        if rung <= current:
            continue
        day += STEP_PERIOD
        steps.append(RampStep(day, "enforce", rung, f"raise max_age to {describe_duration(rung)}"))
        current = rung
    return steps


REPORT_WATCH_DAYS = 14
"""How many days of clean TLS-RPT reports the checklist asks for before each step."""

SECTIONS = (
    ("publish", "1. Publish, in this order"),
    ("ramp", "2. Ramp up"),
    ("change", "3. Every later change"),
    ("subdomains", "4. Subdomains"),
)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    key: str
    """Stable across sessions and bundles, so saved ticks stay on the right step."""
    section: str
    """One of the keys of SECTIONS."""
    text: str
    """The step, with `code` in backticks (Markdown); see :attr:`plain`."""
    step: RampStep | None = None
    """For the ramp: the policy change this step makes."""

    @property
    def plain(self) -> str:
        return self.text.replace("`", "").replace("**", "")


def checklist_items(
    domain: str,
    policy: Policy,
    policy_id: str,
    has_rua: bool,
    start: date,
    *,
    caa_records: Sequence[str] = (),
) -> list[ChecklistItem]:
    """The rollout, in order: one list for CHECKLIST.md and for the wizard's ticks.

    ``caa_records``: CAA zone lines to add so the certificate's issuer is allowed (empty when
    no CAA set stands in the way).
    """
    d = domain
    path = POLICY_URL_PATH
    items = [
        ChecklistItem(
            "point-policy-host",
            "publish",
            f"Point `mta-sts.{d}` at a web server (A/AAAA or CNAME) with an HTTPS certificate "
            f"valid for `mta-sts.{d}`.",
        ),
    ]
    if caa_records:
        shown = "; ".join(f"`{line}`" for line in caa_records)
        items.append(
            ChecklistItem(
                "add-caa",
                "publish",
                f"A CAA record set covers `mta-sts.{d}` and does not allow the issuer of its "
                f"certificate: add {shown} before the certificate is issued or renewed.",
            )
        )
    items += [
        ChecklistItem(
            "upload-policy",
            "publish",
            f"Upload `mta-sts.{d}{path}` so that `https://mta-sts.{d}{path}` answers 200 with "
            "`Content-Type: text/plain` and no redirect (`hosting/` has a ready file for each "
            "chosen web host).",
        ),
        ChecklistItem(
            "verify-policy",
            "publish",
            f"Verify it: `curl -sS -D - https://mta-sts.{d}{path}` shows the policy, and "
            "`mtasts-tui lint policy` on the downloaded copy says it is valid.",
        ),
        ChecklistItem(
            "publish-tlsrpt",
            "publish",
            f"Publish the TLS-RPT record `_smtp._tls.{d}` (in `dns/`), so failures are "
            "reported from the first day."
            if has_rua
            else f"**Add a TLS-RPT destination** and publish `_smtp._tls.{d}`: without reports "
            "you cannot see what enforce would block.",
        ),
        ChecklistItem(
            "publish-sts-record",
            "publish",
            f"Only now publish or update `_mta-sts.{d}` TXT `v=STSv1; id={policy_id}`. Senders "
            "fetch the policy when they see a new id, so the file must already be online.",
        ),
        ChecklistItem(
            "check-live",
            "publish",
            f"Check the live result: `mtasts-tui check {d}` reports no errors.",
        ),
    ]
    steps = ramp(policy, start)
    if len(steps) > 1:
        items.append(
            ChecklistItem(
                "watch-reports",
                "ramp",
                f"Before each step below: no STS failures in the last {REPORT_WATCH_DAYS} days "
                "of TLS-RPT reports (`mtasts-tui reports <folder>`).",
            )
        )
    for step in steps[1:]:
        items.append(
            ChecklistItem(
                f"ramp-{step.mode}-{step.max_age}",
                "ramp",
                f"Not before {step.not_before.isoformat()}: mode {step.mode}, max_age "
                f"{step.max_age} ({describe_duration(step.max_age)}), with a new id: "
                f"{step.note}.",
                step,
            )
        )
    items += [
        ChecklistItem(
            "change-order",
            "change",
            "Every change: edit the policy file, verify it, then publish a new id "
            "(`mtasts-tui export` makes a fresh one). Never reuse an id.",
        ),
        ChecklistItem(
            "new-mx-first",
            "change",
            "Adding or replacing an MX host: add its pattern to the policy **before** the MX "
            "record goes live; in enforce, senders refuse an MX that no pattern covers.",
        ),
        ChecklistItem(
            "cache-horizon",
            "change",
            "Remember the cache: senders may apply the previous policy until its max_age has "
            "passed since they last fetched it. A mistake in enforce lasts that long.",
        ),
        ChecklistItem(
            "retire",
            "change",
            "To retire MTA-STS: publish `mode: none` with a new id, wait the old max_age, then "
            "remove the records (RFC 8461 §8.3).",
        ),
        ChecklistItem(
            "subdomains",
            "subdomains",
            f"Policies are not inherited: every subdomain that receives mail (e.g. "
            f"`user@sub.{d}`) needs its own `_mta-sts.sub.{d}` record, `mta-sts.sub.{d}` host "
            "and policy file.",
        ),
    ]
    return items
