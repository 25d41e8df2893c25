"""README.md's `check --json` key list and the CheckJson TypedDict describe the same object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_type_hints

from mtasts_tui.commands.check_json import (
    CaaJson,
    CheckJson,
    DnssecJson,
    MxAddressJson,
    MxJson,
    MxTlsJson,
    PolicyAddressJson,
    PolicyJson,
    StsRecordJson,
    TlsaJson,
    TlsrptJson,
)
from mtasts_tui.core.drift import DriftJson
from mtasts_tui.core.findings import FindingKeys

README = Path(__file__).resolve().parents[2] / "README.md"

# `name` optionally followed by {a, b[], c} or [{a, b}].
_ENTRY = re.compile(r"`([\w.\[\]]+)`\s*(?:\[\{([^}]*)\}\]|\{([^}]*)\})?")


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### `check --json`")
    return text[start : text.index("\n### ", start + 1)]


def _names(listing: str) -> set[str]:
    return {n.strip().removesuffix("[]") for n in listing.split(",") if n.strip()}


def readme_keys() -> dict[str, set[str]]:
    """Object path → the keys README.md lists for it ("" is the top level)."""
    section = _section()
    paragraph = section.split("\n\n")[1]
    keys: dict[str, set[str]] = {"": set()}
    for name, listed, obj in _ENTRY.findall(paragraph):
        keys[""].add(name)
        if listed or obj:
            keys[name] = _names(listed or obj)
    paragraphs = section.split("\n\n")
    bullets = next(p for p in paragraphs if p.startswith("- `mx_tls[].addresses`"))
    for name, listed, obj in _ENTRY.findall(bullets):
        if listed or obj:  # `mx_tls[].addresses` [{...}]
            keys[name.replace("[]", "")] = _names(listed or obj)
    security = next(p for p in paragraphs if p.startswith("DNSSEC, DANE and CAA"))
    for name, listed, obj in _ENTRY.findall(security):
        if listed or obj:  # "each `mx_tls[]` entry has `tlsa` {...}", then top-level objects
            path = "mx_tls.tlsa" if name == "tlsa" else name
            if path == name:
                keys[""].add(name)
            keys[path] = _names(listed or obj)
    return keys


def typed_keys(typed: Any) -> set[str]:
    return set(get_type_hints(typed))


def test_the_readme_lists_exactly_the_typed_keys() -> None:
    keys = readme_keys()
    assert keys[""] == typed_keys(CheckJson)
    assert keys["mx"] == typed_keys(MxJson)
    assert keys["sts_record"] == typed_keys(StsRecordJson)
    assert keys["policy"] == typed_keys(PolicyJson)
    assert keys["tlsrpt"] == typed_keys(TlsrptJson)
    # The DNSSEC paragraph names tlsa separately from the mx_tls list.
    assert keys["mx_tls"] | {"tlsa"} == typed_keys(MxTlsJson)
    assert keys["mx_tls.tlsa"] == typed_keys(TlsaJson)
    assert keys["dnssec"] == typed_keys(DnssecJson)
    assert keys["caa"] == typed_keys(CaaJson)
    assert keys["findings"] == typed_keys(FindingKeys)
    assert keys["drift"] == typed_keys(DriftJson)
    assert keys["mx_tls.addresses"] == typed_keys(MxAddressJson)
    assert keys["policy.addresses"] == typed_keys(PolicyAddressJson)


def test_the_reader_of_the_readme_sees_nested_objects() -> None:
    keys = readme_keys()
    assert {"domain", "findings", "enforce_ready", "checked_at", "drift", "reports"} <= keys[""]
    assert "first_seen" in keys["drift"] and "cert_sha256" in keys["mx_tls.addresses"]


def test_a_policy_never_fetched_names_the_url_senders_would_fetch() -> None:
    """Cut off before the fetch, `policy.url` is still the RFC 8461 URL, path included."""
    from mtasts_tui.commands.check import inspection_to_json
    from mtasts_tui.core.domain import parse_domain
    from mtasts_tui.core.facts import DomainFacts, MxLookup, TxtLookup
    from mtasts_tui.core.judge import judge
    from mtasts_tui.probe.inspect import Inspection

    domain = parse_domain("example.com")
    assert not isinstance(domain, str)
    facts = DomainFacts(
        domain="example.com",
        mx=MxLookup("ok", ()),
        sts=TxtLookup("_mta-sts.example.com", "ok", ()),
        tlsrpt=TxtLookup("_smtp._tls.example.com", "ok", ()),
        policy=None,
        mx_probes=(),
    )
    data = inspection_to_json(Inspection(domain, facts, judge(facts), 0.1))
    assert data["policy"]["url"] == "https://mta-sts.example.com/.well-known/mta-sts.txt"
    assert data["policy"]["fetched"] is False
