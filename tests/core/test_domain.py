"""Domain names as people type them (parse_domain) and the host-name rule (ldh)."""

from __future__ import annotations

import pytest

from mtasts_tui.core.domain import DomainName, is_hostname, normalize_host, parse_domain


def parsed(text: str) -> DomainName:
    result = parse_domain(text)
    assert isinstance(result, DomainName), result
    return result


class TestNormalisation:
    def test_plain_name_is_kept(self) -> None:
        assert parsed("example.com") == DomainName("example.com", "example.com")

    def test_case_is_folded(self) -> None:
        assert parsed("Mail.EXAMPLE.com").ascii == "mail.example.com"

    def test_one_trailing_dot_is_dropped(self) -> None:
        assert parsed("example.com.").ascii == "example.com"

    def test_surrounding_blanks_are_ignored(self) -> None:
        assert parsed("  example.com \n").ascii == "example.com"

    def test_unicode_name_becomes_its_a_label(self) -> None:
        name = parsed("Bücher.example.")
        assert name.ascii == "xn--bcher-kva.example"
        assert name.unicode == "bücher.example"
        assert name.is_idn
        assert name.display() == "bücher.example (xn--bcher-kva.example)"

    def test_a_label_input_is_the_same_domain_as_its_unicode_form(self) -> None:
        assert parsed("xn--bcher-kva.example") == parsed("bücher.example")

    def test_plain_name_is_not_idn_and_displays_plainly(self) -> None:
        name = parsed("example.com")
        assert not name.is_idn
        assert name.display() == "example.com"


class TestRejected:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "../x",
            "a/b",
            "a\\b",
            "http://x",
            "https://example.com/",
            "user@example.com",
            "example.com:443",
            "exa mple.com",
            "a..example.com",
            ".example.com",
            "example.com..",
            "192.0.2.1",
            "::1",
            "[2001:db8::1]",
            "localhost",
            "-bad.example.com",
            "bad-.example.com",
            "exa_mple.com",
            "a" * 64 + ".example.com",
            ".".join(["a" * 60] * 5),
            "xn--zz.example",
        ],
    )
    def test_is_a_message_not_a_domain(self, text: str) -> None:
        result = parse_domain(text)
        assert isinstance(result, str)
        assert result  # says what is wrong

    def test_ip_address_message_says_so(self) -> None:
        message = parse_domain("192.0.2.1")
        assert isinstance(message, str)
        assert "IP address" in message

    def test_single_label_allowed_when_asked(self) -> None:
        assert parsed_min1("localhost").ascii == "localhost"


def parsed_min1(text: str) -> DomainName:
    result = parse_domain(text, min_labels=1)
    assert isinstance(result, DomainName), result
    return result


class TestHostnameRule:
    @pytest.mark.parametrize(
        "name", ["example.com", "a.b.c", "x1-y2.example", "1.example", "a" * 63 + ".com"]
    )
    def test_ldh_names_are_host_names(self, name: str) -> None:
        assert is_hostname(name)

    @pytest.mark.parametrize(
        "name", ["", "a..b", "-a.com", "a-.com", "a_b.com", "*.example.com", "a" * 64 + ".com"]
    )
    def test_others_are_not(self, name: str) -> None:
        assert not is_hostname(name)

    def test_total_length_is_at_most_253(self) -> None:
        name = ".".join(["a" * 63] * 3 + ["a" * 61])  # 253 octets
        assert len(name) == 253
        assert is_hostname(name)
        assert not is_hostname(name + "a")

    def test_normalize_host_lowercases_and_drops_the_root_dot(self) -> None:
        assert normalize_host(" MX1.Example.COM. ") == "mx1.example.com"


class TestTrailingNewlineIsNotSmuggledThrough:
    """Regression: ``$`` in a regex also matches before a final newline; the rules use ``\\Z``."""

    def test_host_name_with_a_final_newline_is_not_a_host_name(self) -> None:
        assert not is_hostname("example.com\n")


def test_host_names_are_normalised_by_the_one_function_everywhere() -> None:
    """``normalize_host`` is the rule; a hand-written copy of it drifts (issue 11, section 1)."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "mtasts_tui"
    copy = re.compile(r"""\.rstrip\(["']\.["']\)\.lower\(\)|\.lower\(\)\.rstrip\(["']\.["']\)""")
    copies = [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if copy.search(line)
    ]
    assert copies == []
