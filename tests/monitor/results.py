"""Hand-made `check --json` results for drift and store tests (the JSON contract, as data)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)

POLICY = (
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.ex.test\r\nmx: mx2.ex.test\r\nmax_age: 604800\r\n"
)


def result(domain: str = "ex.test", **changes: Any) -> dict[str, Any]:
    """A healthy enforce result; ``changes`` replace top-level keys."""
    data: dict[str, Any] = {
        "domain": domain,
        "domain_unicode": domain,
        "mx": [
            {"host": f"mx1.{domain}", "preference": 10},
            {"host": f"mx2.{domain}", "preference": 20},
        ],
        "sts_record": {
            "present": True,
            "raw": ["v=STSv1; id=20261101"],
            "id": "20261101",
            "valid": True,
        },
        "policy": {
            "url": f"https://mta-sts.{domain}/.well-known/mta-sts.txt",
            "fetched": True,
            "status": 200,
            "raw": POLICY.replace("ex.test", domain),
            "mode": "enforce",
            "mx": [f"mx1.{domain}", f"mx2.{domain}"],
            "max_age": 604800,
            "valid": True,
            "tls_version": "TLSv1.3",
            "cert_names": [f"mta-sts.{domain}"],
            "cert_not_after": "2027-06-01T00:00:00Z",
        },
        "tlsrpt": {
            "present": True,
            "raw": [f"v=TLSRPTv1; rua=mailto:tls@{domain}"],
            "rua": [f"mailto:tls@{domain}"],
            "valid": True,
        },
        "mx_tls": [
            {
                "host": f"mx{n}.{domain}",
                "address": f"192.0.2.{n}",
                "reachable": True,
                "starttls": True,
                "tls_version": "TLSv1.3",
                "cipher": "TLS_AES_256_GCM_SHA384",
                "cert_valid": True,
                "cert_names": [f"mx{n}.{domain}"],
                "cert_not_after": "2027-06-01T00:00:00Z",
                "banner": f"mx{n}.{domain} ESMTP",
                "matches_policy": True,
                "error": None,
            }
            for n in (1, 2)
        ],
        "findings": [],
        "enforce_ready": True,
        "verdict": "Ready to enforce",
        "elapsed": 0.5,
    }
    data.update(changes)
    return data


def edit(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted ``path`` set (``policy.mode``)."""
    out = copy.deepcopy(base)
    holder = out
    keys = path.split(".")
    for key in keys[:-1]:
        holder = holder[int(key)] if isinstance(holder, list) else holder[key]
    if isinstance(holder, list):
        holder[int(keys[-1])] = value
    else:
        holder[keys[-1]] = value
    return out
