"""Drift: what changed between two `check --json` results, and whether it matters.

Works on the JSON dicts (the `check --json` contract), not on probe objects, so any saved result
can be a baseline: one from the history store, or a line of a file written by `check --json` last
month. Every key is read tolerantly: a result from an older or newer version that lacks a key
simply gives no finding for that aspect.

Each finding says what it was, what it is now, and when the current state was first seen: the
caller passes the stored runs between the baseline and now, and the change dates back to the
earliest of those runs that already showed today's value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mtasts_tui.core.codes import codes_in
from mtasts_tui.core.domain import normalize_host
from mtasts_tui.core.findings import Finding, FindingJson, FindingKeys, Severity
from mtasts_tui.core.mxpattern import covering_patterns, is_valid_mx_pattern
from mtasts_tui.core.policy import MODE_RANK, parse_mode

Result = Mapping[str, Any]
"""One domain's `check --json` object."""

EXPIRY_THRESHOLDS: tuple[tuple[int, Severity], ...] = ((7, "error"), (14, "warning"), (30, "info"))
"""Days-left thresholds for ``cert-expiring``, tightest first. 14 days and ``warning`` are the
judge's ``mx-cert-expiring``/``policy-cert-expiring`` window, so a certificate crossing 14 days
gets the same severity from both; 30 gives early notice, 7 is the last call."""


DRIFT_CODES: dict[str, str] = {c.code: c.severity for c in codes_in("drift")}
"""Every drift code and its default severity (from the registry in ``core/codes``)."""


class DriftJson(FindingKeys):
    """One entry of ``drift`` in `check --json` / `watch --format json`: the ``FindingJson``
    shape with ``was``, ``now``, ``first_seen`` and ``subject`` always present."""

    was: str | None
    now: str | None
    first_seen: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class DriftFinding:
    severity: Severity
    """error: senders now fail or keep stale data; warning: risk grew; info: worth knowing."""
    code: str
    """Stable identifier, one of ``DRIFT_CODES``."""
    message: str
    """What changed and what to do, for people."""
    was: str | None
    """The baseline's value, in words (None when it had none)."""
    now: str | None
    """Today's value, in words."""
    first_seen: str
    """When today's value was first seen (``YYYY-MM-DDTHH:MM:SSZ``)."""
    subject: str | None = None
    """The host, address or record the finding is about, when there is one."""

    def finding(self) -> Finding:
        return Finding(self.severity, self.code, self.message, self.subject)

    def to_json(self) -> DriftJson:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "was": self.was,
            "now": self.now,
            "first_seen": self.first_seen,
            "subject": self.subject,
        }


Key = Callable[[Result, datetime], object]


@dataclass(frozen=True, slots=True)
class _Change:
    severity: Severity
    code: str
    message: str
    was: str | None
    now: str | None
    key: Key
    """The aspect's value in a result; the change dates from the first run with today's key."""
    subject: str | None = None


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (or any ISO form with an offset; naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def drift_findings(
    baseline: Result,
    current: Result,
    *,
    baseline_at: datetime,
    now: datetime,
    between: Sequence[tuple[datetime, Result]] = (),
) -> list[DriftFinding]:
    """Findings for what changed from ``baseline`` (checked at ``baseline_at``) to ``current``.

    ``between`` holds the results seen after the baseline and before ``current``, oldest first;
    they only date the changes. A result whose check itself failed is not compared.
    """
    if check_failed(baseline) or check_failed(current):
        return []
    changes = [
        *_policy_changes(baseline, current, now),
        *_mx_changes(baseline, current),
        *_tlsrpt_changes(baseline, current),
        *_cert_changes(baseline, current, baseline_at, now),
        *_dnssec_changes(baseline, current),
        *_dane_changes(baseline, current),
    ]
    out: list[DriftFinding] = []
    for change in changes:
        first = _first_seen(change.key, current, now, between)
        out.append(
            DriftFinding(
                change.severity,
                change.code,
                f"{change.message} (first seen {first})",
                change.was,
                change.now,
                first,
                change.subject,
            )
        )
    return out


def got_worse(drift: Iterable[DriftFinding], baseline: Result | None, current: Result) -> bool:
    """True when a drift finding is an error or warning, readiness was lost, or a new error
    finding appeared (by code) that the baseline did not have."""
    if any(d.severity in ("error", "warning") for d in drift):
        return True
    if baseline is None:
        return False
    if baseline.get("enforce_ready") is True and current.get("enforce_ready") is not True:
        return True
    return bool(error_codes(current) - error_codes(baseline))


def error_codes(result: Result) -> set[str]:
    return {f["code"] for f in _findings(result) if f.get("severity") == "error"}


def check_failed(result: Result) -> bool:
    return any(f.get("code") == "check-failed" for f in _findings(result))


def _first_seen(
    key: Key, current: Result, now: datetime, between: Sequence[tuple[datetime, Result]]
) -> str:
    target = key(current, now)
    first = now
    for at, result in reversed(between):
        if check_failed(result) or key(result, at) != target:
            break
        first = at
    return stamp(first)


# -- the aspects ---------------------------------------------------------------------------------


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _findings(result: Result) -> list[Mapping[str, Any]]:
    return [f for f in _list(result.get("findings")) if isinstance(f, Mapping)]


def _policy(result: Result) -> Mapping[str, Any]:
    return _dict(result.get("policy"))


def _fetched(result: Result) -> bool:
    return _policy(result).get("fetched") is True


def _body(result: Result, _at: datetime | None = None) -> str | None:
    raw = _policy(result).get("raw")
    return raw if _fetched(result) and isinstance(raw, str) else None


def _sts_id(result: Result) -> str | None:
    value = _dict(result.get("sts_record")).get("id")
    return value if isinstance(value, str) else None


def _mode(result: Result, _at: datetime | None = None) -> str | None:
    mode = _policy(result).get("mode")
    return mode if _fetched(result) and isinstance(mode, str) else None


def _max_age(result: Result, _at: datetime | None = None) -> int | None:
    value = _policy(result).get("max_age")
    return value if _fetched(result) and isinstance(value, int) else None


def _policy_mx(result: Result) -> list[str]:
    return [p for p in _list(_policy(result).get("mx")) if isinstance(p, str)]


def _mx_hosts(result: Result, _at: datetime | None = None) -> tuple[str, ...]:
    hosts = {
        normalize_host(str(m.get("host", "")))
        for m in _list(result.get("mx"))
        if isinstance(m, Mapping) and m.get("host")
    }
    return tuple(sorted(hosts))


def _fields(body: str) -> tuple[str, ...]:
    """A body as senders read it: line endings, blank lines and edge spaces do not matter."""
    return tuple(" ".join(line.split()) for line in body.splitlines() if line.strip())


def _body_summary(body: str) -> str:
    """The policy in one line: its fields in order, without the version line."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    fields = [ln for ln in lines if not ln.lower().startswith("version:")]
    text = "; ".join(fields)
    return text if len(text) <= 200 else text[:199] + "…"


def _policy_changes(old: Result, new: Result, now: datetime) -> list[_Change]:
    out: list[_Change] = []
    if _fetched(old) and not _fetched(new):
        status = _policy(new).get("status")
        state = f"HTTP {status}" if isinstance(status, int) else "no HTTP answer"
        url = str(_policy(new).get("url") or "the policy URL")
        out.append(
            _Change(
                "error",
                "policy-host-lost",
                f"The policy was served before and is not now ({state} from {url}). Senders "
                "that cached it keep applying it until max_age runs out, then stop: restore "
                "the policy host.",
                "served (HTTP 200)",
                state,
                lambda r, _at: _fetched(r),
                url,
            )
        )
        return out
    old_body, new_body = _body(old), _body(new)
    if old_body is not None and new_body is not None and _fields(old_body) != _fields(new_body):
        old_id, new_id = _sts_id(old), _sts_id(new)
        if old_id is not None and old_id == new_id:
            out.append(
                _Change(
                    "error",
                    "policy-changed-same-id",
                    f"The policy body changed but the _mta-sts id is still {old_id}: senders "
                    "that cached the old policy keep it until max_age runs out. Publish a new "
                    "id in the _mta-sts TXT record.",
                    _body_summary(old_body),
                    _body_summary(new_body),
                    _body,
                    old_id,
                )
            )
    old_mode, new_mode = parse_mode(_mode(old) or ""), parse_mode(_mode(new) or "")
    if old_mode is not None and new_mode is not None and old_mode != new_mode:
        down = MODE_RANK[new_mode] < MODE_RANK[old_mode]
        out.append(
            _Change(
                "info",
                "mode-downgraded" if down else "mode-upgraded",
                f"The policy mode went from {old_mode} to {new_mode}.",
                old_mode,
                new_mode,
                _mode,
            )
        )
    old_age, new_age = _max_age(old), _max_age(new)
    if old_age is not None and new_age is not None and old_age != new_age:
        horizon = stamp(now + timedelta(seconds=new_age))
        out.append(
            _Change(
                "info",
                "max-age-changed",
                f"max_age went from {old_age} to {new_age} seconds ({_days(new_age)}): a "
                f"sender fetching the policy now may cache it until {horizon}.",
                f"{old_age} s ({_days(old_age)})",
                f"{new_age} s ({_days(new_age)}), cached until {horizon}",
                _max_age,
            )
        )
    return out


def _days(seconds: int) -> str:
    days = seconds / 86400
    return f"{days:g} day" + ("" if days == 1 else "s")


def _mx_changes(old: Result, new: Result) -> list[_Change]:
    before, after = _mx_hosts(old), _mx_hosts(new)
    if before == after or "mx" not in old or "mx" not in new:
        return []
    added = [h for h in after if h not in before]
    removed = [h for h in before if h not in after]
    what = "; ".join(
        part
        for part in (
            f"added {', '.join(added)}" if added else "",
            f"removed {', '.join(removed)}" if removed else "",
        )
        if part
    )
    patterns = [p for p in _policy_mx(new) if is_valid_mx_pattern(p)]
    uncovered = [h for h in added if not covering_patterns(patterns, h)]
    was, now_ = ", ".join(before) or "(none)", ", ".join(after) or "(none)"
    if _mode(new) == "enforce" and uncovered:
        return [
            _Change(
                "error",
                "mx-changed",
                f"The MX set changed ({what}) and {', '.join(uncovered)} matches no mx "
                "pattern of the enforce policy: senders will refuse it. Add it to the policy "
                "(and publish a new id) or remove the MX record.",
                was,
                now_,
                _mx_hosts,
            )
        ]
    return [
        _Change(
            "info",
            "mx-changed",
            f"The MX set changed ({what}).",
            was,
            now_,
            _mx_hosts,
        )
    ]


def _tlsrpt_present(result: Result, _at: datetime | None = None) -> bool:
    return _dict(result.get("tlsrpt")).get("present") is True


def _tlsrpt_changes(old: Result, new: Result) -> list[_Change]:
    if not (_tlsrpt_present(old) and "tlsrpt" in new and not _tlsrpt_present(new)):
        return []
    raw = [r for r in _list(_dict(old.get("tlsrpt")).get("raw")) if isinstance(r, str)]
    was = raw[0] if raw else "present"
    return [
        _Change(
            "warning",
            "tlsrpt-removed",
            "The _smtp._tls TLS-RPT record is gone: senders stop sending reports, so failures "
            "go unseen. Publish it again.",
            was,
            "(none)",
            _tlsrpt_present,
        )
    ]


def certificates(result: Result) -> dict[str, str]:
    """Every certificate's expiry by where it was seen: the policy host and each MX address.

    Reads ``mx_tls[].addresses[]`` when present (one entry per address), else the per-host
    ``mx_tls[]`` entries.
    """
    out: dict[str, str] = {}
    policy = _policy(result)
    not_after = policy.get("cert_not_after")
    if isinstance(not_after, str):
        out[f"policy host {_policy_host(result)}"] = not_after
    for entry in _list(result.get("mx_tls")):
        if not isinstance(entry, Mapping):
            continue
        host = str(entry.get("host", "?"))
        addresses = [a for a in _list(entry.get("addresses")) if isinstance(a, Mapping)]
        for item in addresses or [entry]:
            value = item.get("cert_not_after")
            if isinstance(value, str) and item.get("cert_valid") is not False:
                address = item.get("address")
                out[f"MX {host}" + (f" ({address})" if address else "")] = value
    return out


def _policy_host(result: Result) -> str:
    return f"mta-sts.{result.get('domain', '?')}"


def days_left(not_after: str, at: datetime) -> int | None:
    moment = parse_stamp(not_after)
    return None if moment is None else (moment - at).days


def _bucket(not_after: str | None, at: datetime) -> int | None:
    """The tightest threshold a certificate is within, or None."""
    if not_after is None:
        return None
    left = days_left(not_after, at)
    if left is None:
        return None
    for limit, _severity in EXPIRY_THRESHOLDS:
        if left < limit:
            return limit
    return None


def _cert_changes(old: Result, new: Result, old_at: datetime, now: datetime) -> list[_Change]:
    out: list[_Change] = []
    before = certificates(old)
    for where, not_after in sorted(certificates(new).items()):
        bucket = _bucket(not_after, now)
        if bucket is None:
            continue
        old_bucket = _bucket(before.get(where), old_at)
        if old_bucket is not None and old_bucket <= bucket:
            continue  # already reported at this threshold or a tighter one
        severity = next(s for limit, s in EXPIRY_THRESHOLDS if limit == bucket)
        left = days_left(not_after, now)

        def key(r: Result, at: datetime, where: str = where) -> object:
            return _bucket(certificates(r).get(where), at)

        out.append(
            _Change(
                severity,
                "cert-expiring",
                f"The certificate of {where} expires in {left} day(s) ({not_after}), under "
                f"{bucket} days. Renew it and check that renewal is automated.",
                f"{before[where]}" if where in before else "(not seen)",
                f"{not_after}, {left} day(s) left",
                key,
                where,
            )
        )
    return out


def _flat_bools(value: object, prefix: str = "dnssec") -> dict[str, bool]:
    """``dnssec`` as a flat map of yes/no answers: a bool, or a (nested) object of bools."""
    if isinstance(value, bool):
        return {prefix: value}
    out: dict[str, bool] = {}
    if isinstance(value, Mapping):
        for name, inner in value.items():
            out.update(_flat_bools(inner, f"{prefix}.{name}"))
    return out


def _dnssec_changes(old: Result, new: Result) -> list[_Change]:
    before, after = _flat_bools(old.get("dnssec")), _flat_bools(new.get("dnssec"))
    lost = sorted(k for k, v in before.items() if v and after.get(k) is False)
    if not lost or "dnssec" not in new:
        return []
    return [
        _Change(
            "warning",
            "dnssec-lost",
            f"DNSSEC validation no longer succeeds for {', '.join(lost)}: the answers can now "
            "be forged. Check the DS record and the zone's signatures.",
            "secure",
            "insecure",
            lambda r, _at: tuple(sorted(_flat_bools(r.get("dnssec")).items())),
            ", ".join(lost),
        )
    ]


def _tlsa(result: Result) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for entry in _list(result.get("mx_tls")):
        if isinstance(entry, Mapping) and "tlsa" in entry:
            records = entry.get("tlsa")
            items = records if isinstance(records, list) else [records] if records else []
            out[str(entry.get("host", "?"))] = tuple(
                sorted(
                    json.dumps(r, sort_keys=True) if not isinstance(r, str) else r for r in items
                )
            )
    return out


def _dane_changes(old: Result, new: Result) -> list[_Change]:
    before, after = _tlsa(old), _tlsa(new)
    out: list[_Change] = []
    for host in sorted(set(before) & set(after)):
        if before[host] == after[host]:
            continue
        removed = bool(before[host]) and not after[host]

        def key(r: Result, _at: datetime, host: str = host) -> object:
            return _tlsa(r).get(host)

        was = "; ".join(before[host]) or "(none)"
        now_ = "; ".join(after[host]) or "(none)"
        out.append(
            _Change(
                "warning" if removed else "info",
                "dane-changed",
                f"The TLSA records of {host} changed"
                + (": DANE no longer protects it." if removed else ".")
                + " Make sure they match the certificate the server presents.",
                was[:300],
                now_[:300],
                key,
                host,
            )
        )
    return out


# -- timeline ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: str
    """When the change was seen (``YYYY-MM-DDTHH:MM:SSZ``)."""
    severity: Severity
    code: str
    """A drift code, or ``first-check``, ``verdict-changed``, ``finding-new``,
    ``finding-resolved``, ``check-failed``."""
    message: str

    def to_json(self) -> FindingJson:
        """The finding shape with ``at`` first."""
        return {
            "at": self.at,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


def timeline(runs: Sequence[tuple[datetime, Result]]) -> list[TimelineEntry]:
    """One entry per change, not per run: consecutive equal results say nothing.

    ``runs`` is oldest first; each result is compared with the last one before it whose check
    did not fail.
    """
    out: list[TimelineEntry] = []
    last: tuple[datetime, Result] | None = None
    for at, result in runs:
        when = stamp(at)
        if check_failed(result):
            message = next(
                (
                    f.get("message", "")
                    for f in _findings(result)
                    if f.get("code") == "check-failed"
                ),
                "",
            )
            out.append(TimelineEntry(when, "error", "check-failed", str(message)))
            continue
        if last is None:
            out.append(TimelineEntry(when, "info", "first-check", _verdict(result)))
            last = (at, result)
            continue
        base_at, base = last
        entries = [
            # The entry's own time is when the change was first seen: say it once.
            TimelineEntry(when, d.severity, d.code, d.message.removesuffix(f" (first seen {when})"))
            for d in drift_findings(base, result, baseline_at=base_at, now=at, between=())
        ]
        entries += finding_changes(base, result, when)
        out.extend(entries)
        last = (at, result)
    return out


def finding_changes(base: Result, result: Result, when: str) -> list[TimelineEntry]:
    """What the check's own findings say changed: the verdict, and finding codes that appeared
    (with today's message) or went away. Info findings are context, not changes."""
    entries: list[TimelineEntry] = []
    if _verdict(base) != _verdict(result):
        entries.append(
            TimelineEntry(when, "info", "verdict-changed", f"{_verdict(base)} → {_verdict(result)}")
        )
    old_codes, new_codes = _codes(base), _codes(result)
    for code, (severity, message) in sorted(new_codes.items()):
        if code not in old_codes:
            entries.append(TimelineEntry(when, severity, "finding-new", f"{code}: {message}"))
    for code, (severity, _message) in sorted(old_codes.items()):
        if code not in new_codes:
            entries.append(
                TimelineEntry(when, "info", "finding-resolved", f"{code} ({severity}) is gone")
            )
    return entries


def _codes(result: Result) -> dict[str, tuple[Severity, str]]:
    out: dict[str, tuple[Severity, str]] = {}
    for f in _findings(result):
        severity = f.get("severity")
        if isinstance(f.get("code"), str) and severity in ("error", "warning"):
            out.setdefault(f["code"], (severity, str(f.get("message", ""))))
    return out


def _verdict(result: Result) -> str:
    verdict = result.get("verdict")
    if isinstance(verdict, str) and verdict:
        return verdict
    ready = result.get("enforce_ready")
    if ready is True:
        return "ready to enforce"
    return "not ready to enforce" if ready is False else "cannot tell"


def policy_diff(
    old: str | None, new: str | None, old_label: str, new_label: str, *, limit: int = 200
) -> list[str]:
    """A unified diff of two policy bodies, at most ``limit`` lines."""
    a = (old or "").splitlines()
    b = (new or "").splitlines()
    lines = list(difflib.unified_diff(a, b, old_label, new_label, lineterm="", n=2))
    if len(lines) > limit:
        lines = [*lines[:limit], f"… {len(lines) - limit} more line(s)"]
    return lines
