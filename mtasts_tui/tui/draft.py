"""The policy being drafted, as plain data: built from an inspection, validated by the core.

No Textual here: the edit, review and export screens all read the same `Draft` and `DraftCheck`.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mtasts_tui.core.bundle import BundleSpec, make_bundle_spec
from mtasts_tui.core.draft import DraftFields, validate_draft
from mtasts_tui.core.mxpattern import covering_patterns
from mtasts_tui.core.policy import (
    ONE_DAY,
    Mode,
    Policy,
    PolicyCheck,
    max_age_seconds,
    parse_mode,
    render_policy,
)
from mtasts_tui.core.policyid import new_policy_id

if TYPE_CHECKING:
    # Only a type here: the probes load in workers, after the wizard's first frame (issue 12).
    from mtasts_tui.probe.inspect import Inspection


@dataclass(frozen=True)
class Live:
    """What is published now, reduced to what the editor compares against."""

    hosts: tuple[str, ...] = ()
    """MX hosts in preference order, lowercase, no trailing dot."""
    policy: Policy | None = None
    """The live policy when it is valid."""
    policy_id: str | None = None
    """The id from the live _mta-sts record."""
    rua: tuple[str, ...] = ()
    caa_records_to_add: tuple[str, ...] = ()
    """CAA lines to publish so the policy host's CA may renew (only where a CAA set exists)."""

    @classmethod
    def from_inspection(cls, inspection: Inspection | None) -> Live:
        if inspection is None:
            return cls()
        from mtasts_tui.core.dnssecurity import caa_lines_to_add

        j = inspection.judgement
        return cls(
            hosts=tuple(host for host, _ in j.coverage),
            policy=j.policy.policy if j.policy else None,
            policy_id=j.sts.id if j.sts else None,
            rua=tuple(j.tlsrpt.rua) if j.tlsrpt else (),
            caa_records_to_add=caa_lines_to_add(inspection.facts),
        )


@dataclass(frozen=True)
class Draft:
    mode: Mode = "testing"
    mx: tuple[str, ...] = ()
    max_age: str = str(ONE_DAY)
    """As typed: validation says what is wrong with it."""
    rua: tuple[str, ...] = ()
    policy_id: str = ""

    @classmethod
    def initial(cls, domain: str, live: Live, now: datetime) -> Draft:
        """Start from the live policy, or sensible defaults from the live MX set."""
        rua = live.rua or (f"mailto:tlsrpt@{domain}",)
        if live.policy is not None:
            p = live.policy
            return cls(p.mode, p.mx, str(p.max_age), rua, live.policy_id or new_policy_id(now))
        return cls("testing", live.hosts, str(ONE_DAY), rua, new_policy_id(now, live.policy_id))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mx"], data["rua"] = list(self.mx), list(self.rua)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Draft | None:
        try:
            mode = parse_mode(str(data["mode"]))
            if mode is None:
                return None
            return cls(
                mode=mode,
                mx=tuple(str(m) for m in data["mx"]),
                max_age=str(data["max_age"]),
                rua=tuple(str(r) for r in data["rua"]),
                policy_id=str(data["policy_id"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def with_fresh_id(self, live: Live, now: datetime) -> Draft:
        """Bump the id when the policy differs from the live one but still carries its id."""
        if live.policy_id and self.policy_id == live.policy_id and self.changed_from(live):
            return replace(self, policy_id=new_policy_id(now, live.policy_id))
        return self

    def fields(self) -> DraftFields:
        return DraftFields(self.mode, self.mx, self.max_age, self.rua, self.policy_id)

    def max_age_int(self) -> int | None:
        return max_age_seconds(self.max_age.strip())

    def rendered(self) -> str | None:
        age = self.max_age_int()
        if age is None:
            return None
        return render_policy(Policy(self.mode, self.mx, age))

    def changed_from(self, live: Live) -> bool:
        if live.policy is None:
            return True
        return self.rendered() != render_policy(replace(live.policy, extensions=()))


@dataclass(frozen=True)
class DraftCheck:
    """Every problem with a draft, per field, in the core's words."""

    mode: str | None = None
    mx: dict[int, str] = field(default_factory=dict)
    """Line index of a pattern → its problem."""
    mx_general: str | None = None
    max_age: str | None = None
    rua: dict[int, str] = field(default_factory=dict)
    policy_id: str | None = None
    policy: PolicyCheck | None = None
    coverage: dict[str, list[str]] = field(default_factory=dict)
    """Live MX host → draft patterns covering it."""
    uncovered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (
            self.mode
            or self.mx
            or self.mx_general
            or self.max_age
            or self.rua
            or self.policy_id
            or (self.policy is not None and not self.policy.valid)
        )


def check_draft(draft: Draft, live: Live) -> DraftCheck:
    """``validate_draft``'s verdict per field, plus what only the live state can tell."""
    v = validate_draft(draft.fields())
    mx_general = [p.problem for p in v.of("mx") if p.index is None]
    age_problems = v.of("max_age")
    id_problems = v.of("policy_id")
    id_problem = id_problems[0].problem if id_problems else None
    same_id = bool(live.policy_id) and draft.policy_id == live.policy_id
    if id_problem is None and same_id and draft.changed_from(live):
        id_problem = "the policy changed but the id did not: senders would keep the old one."
    cov = {host: covering_patterns(draft.mx, host) for host in live.hosts}
    uncovered = tuple(h for h, pats in cov.items() if not pats)
    return DraftCheck(
        mode=v.of("mode")[0].problem if v.of("mode") else None,
        mx={p.index: p.problem for p in v.of("mx") if p.index is not None},
        mx_general=mx_general[0] if mx_general else None,
        max_age=age_problems[0].problem if age_problems else None,
        rua={p.index: p.problem for p in v.of("rua") if p.index is not None},
        policy_id=id_problem,
        policy=v.policy_check,
        coverage=cov,
        uncovered=uncovered,
    )


def bundle_spec(
    domain: str, draft: Draft, created: date, live: Live | None = None
) -> BundleSpec | list[str]:
    """The bundle of ``draft``; with ``live``, also the CAA lines the inspection found."""
    spec = make_bundle_spec(
        domain, draft.mode, draft.mx, draft.max_age, draft.rua, draft.policy_id, created
    )
    if isinstance(spec, BundleSpec) and live is not None and live.caa_records_to_add:
        spec = replace(spec, caa_records_to_add=live.caa_records_to_add)
    return spec


@dataclass(frozen=True)
class SenderChange:
    kind: str
    """mode, mx-added, mx-removed, max_age, first-policy"""
    text: str


def policy_diff(live: Live, draft: Draft) -> list[tuple[str, str]]:
    """(tag, line) where tag is ' ', '+' or '-': the live file against the draft, line by line."""
    old = render_policy(live.policy).splitlines() if live.policy else []
    new = (draft.rendered() or "").splitlines()
    out: list[tuple[str, str]] = []
    for line in difflib.ndiff(old, new):
        tag = line[:1]
        if tag in ("+", "-", " "):
            out.append((tag, line[2:]))
    return out


def sender_changes(live: Live, draft: Draft) -> list[SenderChange]:
    from mtasts_tui.core.policy import describe_duration

    if live.policy is None:
        return [
            SenderChange(
                "first-policy",
                f"No valid policy is live: senders will start applying mode {draft.mode}.",
            )
        ]
    old = live.policy
    changes: list[SenderChange] = []
    if old.mode != draft.mode:
        changes.append(SenderChange("mode", f"mode {old.mode} → {draft.mode}"))
    for pattern in draft.mx:
        if pattern not in old.mx:
            changes.append(SenderChange("mx-added", f"mx added: {pattern}"))
    for pattern in old.mx:
        if pattern not in draft.mx:
            changes.append(SenderChange("mx-removed", f"mx removed: {pattern}"))
    age = draft.max_age_int()
    if age is not None and age != old.max_age:
        way = "up" if age > old.max_age else "down"
        changes.append(
            SenderChange(
                "max_age",
                f"max_age {way}: {describe_duration(old.max_age)} → {describe_duration(age)}",
            )
        )
    return changes


def cache_horizon(live: Live, now: datetime) -> datetime | None:
    """Until when senders that fetched the live policy may still apply it."""
    if live.policy is None:
        return None
    return now + timedelta(seconds=live.policy.max_age)
