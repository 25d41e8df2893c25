"""mx patterns (RFC 8461 §3.2, §4.1): syntax, matching and coverage of the real MX hosts."""

from __future__ import annotations

import pytest

from mtasts_tui.core.mxpattern import (
    coverage,
    coverage_findings,
    covering_patterns,
    is_ip_pattern,
    is_valid_mx_pattern,
    mx_matches,
    mx_pattern_compat_problem,
    mx_pattern_findings,
    mx_pattern_problem,
)
from mtasts_tui.core.policy import Mode

from tests.core.helpers import codes, severity_of


class TestIpAddresses:
    """policy-mx-ip: mx patterns match MX host names, and no name equals an address."""

    @pytest.mark.parametrize(
        "pattern",
        [
            "192.0.2.25",
            "192.0.2.25.",
            "[192.0.2.25]",
            "2001:db8::25",
            "[IPv6:2001:db8::25]",
            "::1",
            "10.1.2",
            "*.10.1.2",
        ],
    )
    def test_an_address_or_all_digit_labels_is_policy_mx_ip(self, pattern: str) -> None:
        assert is_ip_pattern(pattern)
        assert not is_valid_mx_pattern(pattern)
        findings = mx_pattern_findings(pattern)
        assert codes(findings) == ["policy-mx-ip"]
        assert severity_of(findings, "policy-mx-ip") == "error"
        assert "postfix-tlspol" in findings[0].message and "mox" in findings[0].message

    @pytest.mark.parametrize("pattern", ["mail1.example.com", "1mail.example", "10.0.0.example"])
    def test_names_with_digits_are_not_addresses(self, pattern: str) -> None:
        assert not is_ip_pattern(pattern)
        assert is_valid_mx_pattern(pattern)


class TestCompatibility:
    @pytest.mark.parametrize("pattern", ["ab--cd.example.com", "*.r3--sn.example.net"])
    def test_a_reserved_hyphen_label_is_valid_with_a_compat_warning(self, pattern: str) -> None:
        """RFC 5321 allows '--' in positions 3-4; mox's IDNA check rejects the policy."""
        assert is_valid_mx_pattern(pattern)
        assert mx_pattern_compat_problem(pattern)
        findings = mx_pattern_findings(pattern)
        assert codes(findings) == ["policy-compat"]
        assert severity_of(findings, "policy-compat") == "warning"
        assert "mox" in findings[0].message

    @pytest.mark.parametrize("pattern", ["xn--bcher-kva.example", "a-b--c.example", "mail.example"])
    def test_a_labels_and_other_hyphens_have_no_compat_problem(self, pattern: str) -> None:
        assert mx_pattern_compat_problem(pattern) is None


class TestPatternSyntax:
    @pytest.mark.parametrize(
        "pattern",
        [
            "mail.example.com",
            "MAIL.Example.COM",
            "*.example.com",
            "*.example.net",
            "mx.backup-example.com",
            "xn--bcher-kva.example",
            "*.com",
        ],
    )
    def test_host_name_or_star_dot_host_name_is_valid(self, pattern: str) -> None:
        assert mx_pattern_problem(pattern) is None
        assert is_valid_mx_pattern(pattern)
        assert mx_pattern_findings(pattern) == []

    @pytest.mark.parametrize(
        "pattern",
        [
            "",
            "*",
            "*.",
            "*example.com",
            "a.*.example.com",
            "*.*.example.com",
            "mail*.example.com",
            "mail.example.com.",
            "*.example.com.",
            "-mail.example.com",
            "mail_1.example.com",
            "mail example.com",
            "https://mail.example.com",
            "mail..example.com",
        ],
    )
    def test_anything_else_is_invalid(self, pattern: str) -> None:
        assert mx_pattern_problem(pattern)
        assert codes(mx_pattern_findings(pattern)) == ["policy-mx-invalid"]
        assert severity_of(mx_pattern_findings(pattern), "policy-mx-invalid") == "error"

    def test_unicode_pattern_is_invalid_and_the_message_names_the_a_label(self) -> None:
        problem = mx_pattern_problem("*.bücher.example")
        assert problem is not None
        assert "*.xn--bcher-kva.example" in problem

    @pytest.mark.parametrize(
        "pattern",
        [
            "xn--zz.example.com",
            "mail.xn--abc.example",
            "XN--.example.com",
            "mail.example.123",
            "*." + ".".join(["a" * 63] * 3 + ["b" * 60]),
        ],
        ids=["bad-punycode", "disallowed-code-point", "empty-punycode", "numeric-tld", "too-long"],
    )
    def test_what_no_host_name_can_be_is_invalid(self, pattern: str) -> None:
        """An xn-- label must decode (mox checks it with IDNA); no TLD is all digits."""
        assert mx_pattern_problem(pattern)
        assert codes(mx_pattern_findings(pattern)) == ["policy-mx-invalid"]

    def test_root_dot_message_suggests_the_pattern_without_it(self) -> None:
        problem = mx_pattern_problem("mail.example.com.")
        assert problem is not None
        assert "use mail.example.com" in problem


class TestMatching:
    @pytest.mark.parametrize(
        ("pattern", "host", "expected"),
        [
            ("mail.example.com", "mail.example.com", True),
            ("mail.example.com", "mail2.example.com", False),
            ("mail.example.com", "example.com", False),
            ("*.example.com", "mail.example.com", True),
            ("*.example.com", "example.com", False),
            ("*.example.com", "a.b.example.com", False),
            ("*.example.com", "mailexample.com", False),
            ("*.example.com", "mail.example.com.evil", False),
            ("*.example.net", "mx.example.net", True),
            ("*.example.net", "mx.example.com", False),
        ],
    )
    def test_wildcard_stands_for_exactly_one_leftmost_label(
        self, pattern: str, host: str, expected: bool
    ) -> None:
        assert mx_matches(pattern, host) is expected

    @pytest.mark.parametrize(
        ("pattern", "host"),
        [
            ("mail.example.com", "MAIL.EXAMPLE.COM"),
            ("MAIL.Example.com", "mail.example.com"),
            ("*.EXAMPLE.com", "Mx1.example.COM"),
        ],
    )
    def test_matching_ignores_case(self, pattern: str, host: str) -> None:
        assert mx_matches(pattern, host)

    @pytest.mark.parametrize(
        ("pattern", "host"),
        [("mail.example.com", "mail.example.com."), ("*.example.com", "MX1.Example.COM.")],
    )
    def test_trailing_dot_on_the_host_is_ignored(self, pattern: str, host: str) -> None:
        assert mx_matches(pattern, host)

    def test_empty_pattern_or_host_never_matches(self) -> None:
        assert not mx_matches("", "mail.example.com")
        assert not mx_matches("mail.example.com", "")
        assert not mx_matches("*.example.com", ".")

    def test_covering_patterns_keeps_policy_order(self) -> None:
        patterns = ["*.example.com", "backup.example.org", "mail.example.com"]
        assert covering_patterns(patterns, "mail.example.com") == [
            "*.example.com",
            "mail.example.com",
        ]

    def test_coverage_reports_each_host_as_given(self) -> None:
        result = coverage(["*.example.com"], ["MX1.example.com.", "mx.other.org"])
        assert result == {"MX1.example.com.": ["*.example.com"], "mx.other.org": []}


RFC_PATTERNS = ("mail.example.com", "*.example.net", "backupmx.example.com")


class TestCoverageFindings:
    def test_all_hosts_covered_and_all_patterns_used_is_silent(self) -> None:
        hosts = ["mail.example.com", "mx1.example.net", "backupmx.example.com"]
        assert coverage_findings(RFC_PATTERNS, hosts, "enforce") == []

    @pytest.mark.parametrize(
        ("mode", "severity"), [("enforce", "error"), ("testing", "warning"), ("none", "info")]
    )
    def test_uncovered_mx_severity_depends_on_mode(self, mode: Mode, severity: str) -> None:
        hosts = [
            *("mail.example.com", "mx1.example.net", "backupmx.example.com"),
            "new.example.org",
        ]
        findings = coverage_findings(RFC_PATTERNS, hosts, mode)
        assert codes(findings) == ["mx-not-covered"]
        assert findings[0].severity == severity
        assert findings[0].subject == "new.example.org"

    def test_uncovered_host_is_shown_normalised(self) -> None:
        findings = coverage_findings(["mail.example.com"], ["NEW.Example.org."], "enforce")
        uncovered = [f for f in findings if f.code == "mx-not-covered"]
        assert uncovered[0].subject == "new.example.org"
        assert "mx: new.example.org" in uncovered[0].message

    def test_pattern_matching_no_host_is_an_unused_warning(self) -> None:
        findings = coverage_findings(RFC_PATTERNS, ["mail.example.com"], "enforce")
        unused = [f for f in findings if f.code == "policy-mx-unused"]
        assert sorted(f.subject or "" for f in unused) == ["*.example.net", "backupmx.example.com"]
        assert {f.severity for f in unused} == {"warning"}

    def test_no_known_hosts_means_no_coverage_findings(self) -> None:
        assert coverage_findings(RFC_PATTERNS, [], "enforce") == []

    def test_invalid_patterns_neither_cover_nor_count_as_unused(self) -> None:
        findings = coverage_findings(["mail.example.com."], ["mail.example.com"], "enforce")
        assert codes(findings) == ["mx-not-covered"]

    def test_wildcard_does_not_cover_the_bare_parent(self) -> None:
        findings = coverage_findings(["*.example.com"], ["example.com"], "enforce")
        assert "mx-not-covered" in codes(findings)


def test_a_pattern_with_a_final_newline_is_invalid() -> None:
    assert mx_pattern_problem("mail.example.com\n")
