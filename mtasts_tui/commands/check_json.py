"""The `check --json` object, typed: one TypedDict per nested object (a contract).

README.md's "`check --json`" section lists these keys; ``tests/cli/test_check_json.py`` checks the
two against each other, so a key added here and not there (or the reverse) fails a test.
"""

from __future__ import annotations

from typing import Any, TypedDict

from mtasts_tui.core.drift import DriftJson
from mtasts_tui.core.findings import FindingJson


class MxJson(TypedDict):
    host: str
    preference: int


class StsRecordJson(TypedDict):
    present: bool
    raw: list[str]
    id: str | None
    valid: bool


class PolicyAddressJson(TypedDict):
    address: str | None
    family: str | None
    status: int | None
    content_type: str | None
    body_sha256: str | None
    tls_version: str | None
    cert_names: list[str]
    cert_not_after: str | None
    error: str | None


class PolicyJson(TypedDict):
    url: str
    fetched: bool
    status: int | None
    raw: str | None
    mode: str | None
    mx: list[str]
    max_age: int | None
    valid: bool
    tls_version: str | None
    cert_names: list[str]
    cert_not_after: str | None
    addresses: list[PolicyAddressJson]


class TlsrptJson(TypedDict):
    present: bool
    raw: list[str]
    rua: list[str]
    valid: bool


class MxAddressJson(TypedDict):
    address: str
    family: str
    reachable: bool
    starttls: bool | None
    tls_version: str | None
    cipher: str | None
    cert_valid: bool | None
    cert_names: list[str]
    cert_not_after: str | None
    cert_sha256: str | None
    banner: str | None
    error: str | None


class TlsaJson(TypedDict):
    present: bool
    dnssec: str
    records: list[str]
    matches: bool | None


class DnssecJson(TypedDict):
    resolver: str | None
    validating: bool | None
    mx: str
    sts_record: str


class CaaJson(TypedDict):
    name: str
    status: str
    owner: str | None
    records: list[str]
    issuer: str | None
    issuer_domains: list[str]
    error: str | None


class MxTlsJson(TypedDict):
    host: str
    address: str | None
    reachable: bool
    starttls: bool | None
    tls_version: str | None
    cipher: str | None
    cert_valid: bool | None
    cert_names: list[str]
    cert_not_after: str | None
    banner: str | None
    matches_policy: bool
    error: str | None
    addresses: list[MxAddressJson]
    tlsa: TlsaJson


class CheckJsonKeys(TypedDict):
    """The keys of every domain's object."""

    domain: str
    domain_unicode: str
    mx: list[MxJson]
    sts_record: StsRecordJson
    policy: PolicyJson
    tlsrpt: TlsrptJson
    mx_tls: list[MxTlsJson]
    dnssec: DnssecJson
    caa: CaaJson | None
    findings: list[FindingJson]
    enforce_ready: bool | None
    verdict: str
    elapsed: float


class CheckJson(CheckJsonKeys, total=False):
    """One line of `check --json`; the optional keys come with the options that add them."""

    reports: dict[str, Any] | None
    """With ``--reports``: the reports' verdict for the domain, or null."""
    checked_at: str
    """When recorded (history, ``--baseline``): UTC, ``YYYY-MM-DDTHH:MM:SSZ``."""
    drift: list[DriftJson]
    """With ``--baseline``: what changed since."""


class CheckFailedJson(TypedDict):
    """The line for a domain whose check itself failed (a ``check-failed`` finding)."""

    domain: str
    domain_unicode: str
    findings: list[FindingJson]
    enforce_ready: bool
