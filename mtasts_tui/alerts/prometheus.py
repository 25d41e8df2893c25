"""A node_exporter textfile for `watch --prometheus`: readiness, certificate expiry, findings.

Written atomically (a temp file in the same folder, then rename), because node_exporter may read
the file at any moment and must never see half of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mtasts_tui.core.drift import parse_stamp

SEVERITIES = ("error", "warning", "info")


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _label(value: object) -> str:
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**values: object) -> str:
    return "{" + ",".join(f'{k}="{_label(v)}"' for k, v in values.items()) + "}"


def _days(not_after: object, at: datetime) -> float | None:
    moment = parse_stamp(not_after) if isinstance(not_after, str) else None
    return None if moment is None else round((moment - at).total_seconds() / 86400, 3)


def _certs(data: Mapping[str, Any]) -> Iterable[tuple[str, str, str, object]]:
    """(role, host, address, not_after) for the policy host and each MX address."""
    domain = str(data.get("domain", ""))
    policy = data.get("policy")
    if isinstance(policy, Mapping) and policy.get("cert_not_after"):
        yield "policy", f"mta-sts.{domain}", "", policy["cert_not_after"]
    for entry in _list(data.get("mx_tls")):
        if not isinstance(entry, Mapping):
            continue
        listed = [a for a in _list(entry.get("addresses")) if isinstance(a, Mapping)]
        for item in listed or [entry]:
            if item.get("cert_not_after"):
                host = str(entry.get("host", ""))
                yield "mx", host, str(item.get("address") or ""), item["cert_not_after"]


def render(results: Iterable[tuple[Mapping[str, Any], datetime]]) -> str:
    """The textfile for these results (each with the time it was checked)."""
    ready, certs, findings, last = [], [], [], []
    for data, at in results:
        domain = str(data.get("domain", ""))
        value = data.get("enforce_ready")
        ready.append(
            f"mtasts_enforce_ready{_labels(domain=domain)} "
            f"{1 if value is True else 0 if value is False else -1}"
        )
        seen: set[tuple[str, str, str]] = set()
        for role, host, address, not_after in _certs(data):
            days = _days(not_after, at)
            if days is None or (role, host, address) in seen:
                continue
            seen.add((role, host, address))
            labels = _labels(domain=domain, role=role, host=host, address=address)
            certs.append(f"mtasts_cert_expiry_days{labels} {days}")
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in _list(data.get("findings")):
            if isinstance(f, Mapping) and f.get("severity") in counts:
                counts[str(f["severity"])] += 1
        for severity, count in counts.items():
            findings.append(f"mtasts_findings{_labels(domain=domain, severity=severity)} {count}")
        last.append(
            f"mtasts_last_check_timestamp_seconds{_labels(domain=domain)} {int(at.timestamp())}"
        )
    blocks = [
        ("mtasts_enforce_ready", "1 ready to enforce, 0 not ready, -1 cannot tell.", ready),
        ("mtasts_cert_expiry_days", "Days until the certificate expires.", certs),
        ("mtasts_findings", "Findings of the last check, by severity.", findings),
        ("mtasts_last_check_timestamp_seconds", "When the domain was last checked.", last),
    ]
    out: list[str] = []
    for name, help_text, lines in blocks:
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *lines]
    return "\n".join(out) + "\n"


def write_textfile(path: Path, text: str) -> None:
    """Replace ``path`` atomically; raises OSError."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not path.is_file():
        raise OSError(f"{path} is not a regular file")
    fd, tmp = tempfile.mkstemp(prefix=".mtasts-", suffix=".prom.tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
