"""CAA (RFC 8659) for the policy host: the relevant set, who it allows, and the line to add."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mtasts_tui.core.caa import (
    CaaLookup,
    CaaRecord,
    caa_allows,
    caa_findings,
    caa_records_to_add,
    caa_search_names,
    issuer_caa_domains,
    issuer_label,
)

from tests.core.helpers import codes, severity_of

LE = (("C", "US"), ("O", "Let's Encrypt"), ("CN", "R11"))
GTS = (("C", "US"), ("O", "Google Trust Services"), ("CN", "WR1"))
UNKNOWN = (("O", "Example Private CA"), ("CN", "Issuing CA 3"))
HOST = "mta-sts.example.com"


def issue(value: str, tag: str = "issue", flags: int = 0) -> CaaRecord:
    return CaaRecord(flags, tag, value)


def found(*records: CaaRecord, owner: str = "example.com") -> CaaLookup:
    return CaaLookup(name=HOST, status="ok", owner=owner, records=records)


def test_the_search_climbs_from_the_name_to_the_top_level_never_the_root() -> None:
    assert caa_search_names("MTA-STS.Example.COM.") == [
        "mta-sts.example.com",
        "example.com",
        "com",
    ]


def test_known_issuers_map_to_their_documented_caa_domains() -> None:
    assert issuer_caa_domains(LE) == ("letsencrypt.org",)
    assert issuer_caa_domains(GTS) == ("pki.goog",)
    assert "amazon.com" in issuer_caa_domains((("O", "Amazon"), ("CN", "Amazon RSA 2048 M02")))
    assert issuer_caa_domains(UNKNOWN) == ()
    assert issuer_caa_domains(()) == ()
    assert issuer_label(LE) == "Let's Encrypt, R11"


def test_an_issue_tag_allows_exactly_the_ca_it_names() -> None:
    records = [issue("letsencrypt.org; validationmethods=dns-01"), issue("mailto:x", "iodef")]
    assert caa_allows(records, ["letsencrypt.org"])
    assert caa_allows(records, ["LetsEncrypt.org."])
    assert not caa_allows(records, ["pki.goog"])


def test_no_set_or_a_set_without_issue_tags_allows_every_ca() -> None:
    assert caa_allows([], ["pki.goog"])
    assert caa_allows([issue("mailto:security@example.com", "iodef")], ["pki.goog"])


def test_an_empty_issuer_forbids_everyone_and_a_critical_unknown_tag_blocks() -> None:
    assert not caa_allows([issue(";")], ["letsencrypt.org"])
    critical = [issue("letsencrypt.org"), issue("x", tag="futuretag", flags=128)]
    assert not caa_allows(critical, ["letsencrypt.org"])
    harmless = [issue("letsencrypt.org"), issue("x", tag="futuretag", flags=0)]
    assert caa_allows(harmless, ["letsencrypt.org"])


def test_issuewild_replaces_issue_for_wildcard_certificates_only() -> None:
    records = [issue("pki.goog"), issue("letsencrypt.org", "issuewild")]
    assert caa_allows(records, ["letsencrypt.org"], wildcard=True)
    assert not caa_allows(records, ["letsencrypt.org"], wildcard=False)
    assert caa_allows([issue("letsencrypt.org")], ["letsencrypt.org"], wildcard=True)


def test_the_line_to_add_goes_on_the_policy_host_and_only_when_needed() -> None:
    assert caa_records_to_add(HOST, [], "letsencrypt.org") == ()
    assert caa_records_to_add(HOST, [issue("letsencrypt.org")], "letsencrypt.org") == ()
    (line,) = caa_records_to_add(HOST + ".", [issue("digicert.com")], "LetsEncrypt.org")
    assert line.split() == [
        "mta-sts.example.com.",
        "3600",
        "IN",
        "CAA",
        "0",
        "issue",
        '"letsencrypt.org"',
    ]


@given(
    existing=st.lists(
        st.sampled_from(["digicert.com", "pki.goog", "sectigo.com", ";", "letsencrypt.org"]),
        min_size=1,
        max_size=4,
    ),
    issuer=st.sampled_from(["letsencrypt.org", "pki.goog", "buypass.com"]),
)
def test_after_adding_the_lines_the_issuer_is_allowed(existing: list[str], issuer: str) -> None:
    relevant = [issue(v) for v in existing]
    lines = caa_records_to_add(HOST, relevant, issuer)
    assert bool(lines) == (not caa_allows(relevant, [issuer]))
    # The added set at the policy host becomes the relevant one for that name (RFC 8659 §3).
    added = [issue(line.split('"')[1]) for line in lines]
    assert caa_allows(added or relevant, [issuer])


def test_a_set_that_forbids_todays_issuer_is_a_warning_with_the_fix() -> None:
    findings = caa_findings(found(issue("digicert.com")), LE)
    assert codes(findings) == ["caa-blocks-issuer"]
    assert severity_of(findings, "caa-blocks-issuer") == "warning"
    message = findings[0].message
    assert "letsencrypt.org" in message and "example.com" in message
    assert 'mta-sts.example.com. CAA 0 issue "letsencrypt.org"' in message


def test_an_unknown_issuer_is_said_to_be_unknown_not_guessed() -> None:
    findings = caa_findings(found(issue("digicert.com")), UNKNOWN)
    assert codes(findings) == ["caa-issuer-unknown"]
    assert severity_of(findings, "caa-issuer-unknown") == "info"
    assert "Example Private CA" in findings[0].message


def test_nothing_to_say_without_a_set_a_certificate_or_a_restriction() -> None:
    assert caa_findings(None, LE) == []
    assert caa_findings(CaaLookup(HOST, "none"), LE) == []
    assert caa_findings(CaaLookup(HOST, "error", error="SERVFAIL"), LE) == []
    assert caa_findings(found(issue("letsencrypt.org")), LE) == []
    assert caa_findings(found(issue("mailto:a@example.com", "iodef")), UNKNOWN) == []
    assert caa_findings(found(issue("digicert.com")), ()) == []
