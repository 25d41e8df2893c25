"""The policy file (RFC 8461 §3.2): parsing, validation, rendering, durations."""

from __future__ import annotations

import pytest

from mtasts_tui.core.policy import (
    MAX_AGE_LIMIT,
    Policy,
    describe_duration,
    max_age_advice,
    max_age_problem,
    parse_policy,
    policy_from_fields,
    render_policy,
)

from tests.core.helpers import codes, policy_text, severity_of

RFC_EXAMPLE = policy_text(
    "version: STSv1",
    "mode: enforce",
    "mx: mail.example.com",
    "mx: *.example.net",
    "mx: backupmx.example.com",
    "max_age: 604800",
)
"""RFC 8461 §3.2."""

RFC_APPENDIX_A = policy_text(
    "version: STSv1",
    "mode: testing",
    "mx: mx1.example.com",
    "mx: mx2.example.com",
    "mx: mx.backup-example.com",
    "max_age: 1296000",
)
"""RFC 8461 Appendix A."""


def minimal(mode: str = "enforce", max_age: str = "604800", *mx: str) -> str:
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {m}" for m in (mx or ("mail.example.com",))]
    lines.append(f"max_age: {max_age}")
    return policy_text(*lines)


class TestRfcExamples:
    def test_section_3_2_example_is_valid_without_findings(self) -> None:
        result = parse_policy(RFC_EXAMPLE)
        assert result.valid
        assert result.policy == Policy(
            mode="enforce",
            mx=("mail.example.com", "*.example.net", "backupmx.example.com"),
            max_age=604800,
        )
        assert result.findings == ()
        assert result.line_endings == "crlf"

    def test_appendix_a_example_is_valid_with_a_testing_note(self) -> None:
        result = parse_policy(RFC_APPENDIX_A)
        assert result.valid
        assert result.policy is not None
        assert result.policy.mode == "testing"
        assert result.policy.max_age == 1296000
        assert codes(result.findings) == ["policy-mode-testing"]
        assert severity_of(result.findings, "policy-mode-testing") == "info"

    def test_policy_json_has_mode_mx_and_max_age(self) -> None:
        policy = parse_policy(RFC_EXAMPLE).policy
        assert policy is not None
        assert policy.to_json() == {
            "mode": "enforce",
            "mx": ["mail.example.com", "*.example.net", "backupmx.example.com"],
            "max_age": 604800,
        }


class TestLineEndings:
    def test_lf_is_valid_with_an_info_note(self) -> None:
        result = parse_policy(RFC_EXAMPLE.replace("\r\n", "\n"))
        assert result.valid
        assert result.line_endings == "lf"
        assert codes(result.findings) == ["policy-line-endings"]
        assert severity_of(result.findings, "policy-line-endings") == "info"

    def test_crlf_and_lf_give_the_same_policy(self) -> None:
        assert (
            parse_policy(RFC_EXAMPLE).policy
            == parse_policy(RFC_EXAMPLE.replace("\r\n", "\n")).policy
        )

    def test_mixed_endings_are_reported_as_mixed(self) -> None:
        text = RFC_EXAMPLE.replace("\r\n", "\n", 1)
        result = parse_policy(text)
        assert result.valid
        assert result.line_endings == "mixed"

    def test_last_line_without_terminator_is_accepted(self) -> None:
        result = parse_policy(RFC_EXAMPLE.rstrip("\r\n"))
        assert result.valid
        assert result.policy is not None
        assert result.policy.max_age == 604800

    def test_a_lone_carriage_return_is_a_syntax_error(self) -> None:
        result = parse_policy(RFC_EXAMPLE.replace("\r\n", "\r"))
        assert not result.valid
        assert "policy-syntax" in codes(result.findings)

    def test_bytes_are_decoded_as_utf8(self) -> None:
        assert parse_policy(RFC_EXAMPLE.encode()).valid

    def test_non_utf8_bytes_are_a_syntax_error(self) -> None:
        result = parse_policy(RFC_EXAMPLE.encode() + b"x: \xff\r\n")
        assert not result.valid
        assert "policy-syntax" in codes(result.findings)

    def test_a_byte_order_mark_is_a_syntax_error(self) -> None:
        result = parse_policy("\ufeff" + RFC_EXAMPLE)
        assert not result.valid
        assert "policy-syntax" in codes(result.findings)


class TestVersion:
    @pytest.mark.parametrize("version", ["STSv2", "stsv1", "STSV1", "STSv1 x", "1"])
    def test_must_be_exactly_stsv1(self, version: str) -> None:
        result = parse_policy(RFC_EXAMPLE.replace("STSv1", version))
        assert not result.valid
        assert result.policy is None
        assert codes(result.findings) == ["policy-version-invalid"]

    def test_is_required(self) -> None:
        result = parse_policy(RFC_EXAMPLE.replace("version: STSv1\r\n", ""))
        assert codes(result.findings) == ["policy-version-invalid"]

    def test_need_not_be_the_first_line(self) -> None:
        text = policy_text(
            "mode: enforce", "version: STSv1", "mx: a.example.com", "max_age: 604800"
        )
        assert parse_policy(text).valid


class TestMode:
    @pytest.mark.parametrize("mode", ["Enforce", "ENFORCE", "enforcing", "test", "off", ""])
    def test_must_be_enforce_testing_or_none_case_sensitively(self, mode: str) -> None:
        result = parse_policy(minimal(mode))
        assert not result.valid
        assert "policy-mode-invalid" in codes(result.findings)

    def test_wrong_case_message_suggests_lowercase(self) -> None:
        result = parse_policy(minimal("Testing"))
        message = next(f.message for f in result.findings if f.code == "policy-mode-invalid")
        assert "'testing'" in message

    def test_is_required(self) -> None:
        text = policy_text("version: STSv1", "mx: a.example.com", "max_age: 604800")
        assert codes(parse_policy(text).findings) == ["policy-mode-invalid"]

    def test_testing_is_valid_with_an_info_note(self) -> None:
        result = parse_policy(minimal("testing"))
        assert result.valid
        assert severity_of(result.findings, "policy-mode-testing") == "info"

    def test_none_is_valid_with_a_warning(self) -> None:
        result = parse_policy(minimal("none"))
        assert result.valid
        assert codes(result.findings) == ["policy-mode-none"]
        assert severity_of(result.findings, "policy-mode-none") == "warning"

    def test_enforce_has_no_mode_finding(self) -> None:
        assert parse_policy(minimal("enforce")).findings == ()


class TestMaxAge:
    @pytest.mark.parametrize(
        ("text", "value"),
        [("604800", 604800), (str(MAX_AGE_LIMIT), MAX_AGE_LIMIT), ("0000086400", 86400)],
    )
    def test_one_to_ten_digits_up_to_one_year(self, text: str, value: int) -> None:
        result = parse_policy(minimal("enforce", text))
        assert result.valid
        assert result.policy is not None
        assert result.policy.max_age == value

    @pytest.mark.parametrize(
        "text",
        [
            str(MAX_AGE_LIMIT + 1),
            "9999999999",
            "00000864000",
            "-1",
            "+86400",
            "86400s",
            "1e5",
            "86400.0",
            "1 000",
            "",
            "١٢٣",
        ],
    )
    def test_anything_else_is_invalid(self, text: str) -> None:
        result = parse_policy(minimal("enforce", text))
        assert not result.valid
        assert "policy-max-age-invalid" in codes(result.findings)

    def test_is_required(self) -> None:
        text = policy_text("version: STSv1", "mode: enforce", "mx: a.example.com")
        assert codes(parse_policy(text).findings) == ["policy-max-age-invalid"]

    def test_above_the_limit_the_number_is_still_reported(self) -> None:
        assert parse_policy(minimal("enforce", "31557601")).max_age == 31557601

    @pytest.mark.parametrize("max_age", ["0", "1", "86399"])
    def test_under_a_day_is_valid_with_a_warning(self, max_age: str) -> None:
        result = parse_policy(minimal("testing", max_age))
        assert result.valid
        assert severity_of(result.findings, "policy-max-age-short") == "warning"

    def test_under_a_week_in_enforce_is_valid_with_an_info_note(self) -> None:
        result = parse_policy(minimal("enforce", "86400"))
        assert result.valid
        assert severity_of(result.findings, "policy-max-age-short") == "info"

    def test_a_day_in_testing_is_not_short(self) -> None:
        assert "policy-max-age-short" not in codes(
            parse_policy(minimal("testing", "86400")).findings
        )

    def test_shared_bound_rule(self) -> None:
        assert max_age_problem(0) is None
        assert max_age_problem(MAX_AGE_LIMIT) is None
        assert max_age_problem(MAX_AGE_LIMIT + 1)
        assert max_age_problem(-1)

    def test_advice_is_silent_for_a_week_or_more(self) -> None:
        assert max_age_advice(604800, "enforce") == []


class TestMx:
    def test_is_repeatable_and_kept_in_file_order(self) -> None:
        result = parse_policy(
            minimal("enforce", "604800", "b.example.com", "*.example.org", "a.example.com")
        )
        assert result.policy is not None
        assert result.policy.mx == ("b.example.com", "*.example.org", "a.example.com")

    @pytest.mark.parametrize("mode", ["enforce", "testing"])
    def test_is_required_unless_mode_is_none(self, mode: str) -> None:
        text = policy_text("version: STSv1", f"mode: {mode}", "max_age: 604800")
        result = parse_policy(text)
        assert not result.valid
        assert "policy-mx-missing" in codes(result.findings)

    def test_may_be_absent_when_mode_is_none(self) -> None:
        result = parse_policy(policy_text("version: STSv1", "mode: none", "max_age: 86400"))
        assert result.valid
        assert result.policy is not None
        assert result.policy.mx == ()

    @pytest.mark.parametrize(
        "pattern",
        ["", "mail.example.com.", "a.*.example.com", "*", "bücher.example", "x_y.example"],
    )
    def test_invalid_pattern_is_an_error(self, pattern: str) -> None:
        result = parse_policy(minimal("enforce", "604800", pattern))
        assert not result.valid
        assert codes(result.findings) == ["policy-mx-invalid"]
        assert result.mx == (pattern,)

    def test_invalid_pattern_is_an_error_even_in_mode_none(self) -> None:
        result = parse_policy(minimal("none", "86400", "mail.example.com."))
        assert not result.valid
        assert "policy-mx-invalid" in codes(result.findings)

    def test_duplicate_pattern_is_only_an_info_note(self) -> None:
        result = parse_policy(minimal("enforce", "604800", "a.example.com", "A.example.com"))
        assert result.valid
        assert codes(result.findings) == ["policy-mx-duplicate"]


class TestKeysAndValues:
    def test_unknown_keys_are_ignored_and_kept_as_extensions(self) -> None:
        text = RFC_EXAMPLE + "x-comment: hello\r\n"
        result = parse_policy(text)
        assert result.valid
        assert result.findings == ()
        assert result.policy is not None
        assert result.policy.extensions == (("x-comment", "hello"),)

    @pytest.mark.parametrize(
        ("key", "value"), [("mode", "enforce"), ("max_age", "604800"), ("version", "STSv1")]
    )
    def test_a_key_repeated_with_the_same_value_is_valid_with_a_warning(
        self, key: str, value: str
    ) -> None:
        result = parse_policy(RFC_EXAMPLE + f"{key}: {value}\r\n")
        assert result.valid
        assert result.policy is not None
        assert (result.policy.mode, result.policy.max_age) == ("enforce", 604800)
        assert codes(result.findings) == ["policy-duplicate-field"]
        assert severity_of(result.findings, "policy-duplicate-field") == "warning"

    @pytest.mark.parametrize(
        ("key", "value"), [("mode", "testing"), ("max_age", "86400"), ("version", "STSv2")]
    )
    def test_a_key_repeated_with_another_value_is_an_error_because_senders_disagree(
        self, key: str, value: str
    ) -> None:
        """The RFC keeps the first; postfix-mta-sts-resolver and go-mtasts keep the last."""
        result = parse_policy(RFC_EXAMPLE + f"{key}: {value}\r\n")
        assert not result.valid
        assert codes(result.findings) == ["policy-duplicate-field"]
        assert severity_of(result.findings, "policy-duplicate-field") == "error"
        assert "postfix-mta-sts-resolver" in result.findings[0].message

    def test_a_repeated_extension_is_only_a_warning(self) -> None:
        result = parse_policy(RFC_EXAMPLE + "x-note: a\r\nx-note: b\r\n")
        assert result.valid
        assert severity_of(result.findings, "policy-duplicate-field") == "warning"

    @pytest.mark.parametrize(
        ("line", "meant"),
        [
            ("Mode: testing", "mode"),
            ("MX: other.example.com", "mx"),
            ("Max_Age: 1", "max_age"),
            ("max-age: 1", "max_age"),
        ],
    )
    def test_a_known_key_in_the_wrong_case_is_an_error_because_every_sender_ignores_it(
        self, line: str, meant: str
    ) -> None:
        result = parse_policy(RFC_EXAMPLE + line + "\r\n")
        assert not result.valid
        assert codes(result.findings) == ["policy-syntax"]
        assert repr(meant) in result.findings[0].message

    def test_wrong_case_key_does_not_stand_in_for_a_missing_one(self) -> None:
        text = policy_text(
            "version: STSv1", "Mode: enforce", "mx: a.example.com", "max_age: 604800"
        )
        result = parse_policy(text)
        assert not result.valid
        assert "policy-mode-invalid" in codes(result.findings)

    def test_blanks_around_values_are_not_part_of_them(self) -> None:
        text = policy_text(
            "version:STSv1", "mode:   enforce  ", "mx:\tmail.example.com", "max_age: 604800 "
        )
        result = parse_policy(text)
        assert result.valid
        assert result.policy is not None
        assert result.policy.mx == ("mail.example.com",)

    @pytest.mark.parametrize(
        "line",
        [
            "no colon here",
            " mode: enforce",
            "mode : enforce",
            "bad key: x",
            ":value",
            "k" * 33 + ": x",
        ],
    )
    def test_a_line_that_is_not_key_colon_value_is_a_syntax_error(self, line: str) -> None:
        result = parse_policy(RFC_EXAMPLE + line + "\r\n")
        assert not result.valid
        assert codes(result.findings) == ["policy-syntax"]

    def test_a_control_character_in_a_value_is_a_syntax_error(self) -> None:
        result = parse_policy(RFC_EXAMPLE.replace("mail.example.com", "mail\x1b.example.com"))
        assert not result.valid
        assert "policy-syntax" in codes(result.findings)

    @pytest.mark.parametrize(
        "text",
        [
            RFC_EXAMPLE.replace("mode: enforce\r\n", "mode: enforce\r\n\r\n"),
            "\r\n" + RFC_EXAMPLE,
            RFC_EXAMPLE + "\r\n",
            RFC_EXAMPLE.replace("\r\n", "\n") + "\n",
            RFC_EXAMPLE + " \t\r\n",
            RFC_EXAMPLE + "  ",
            RFC_EXAMPLE.replace("mode: enforce\r\n", "mode: enforce\r\n   \r\n"),
        ],
        ids=["middle", "first", "trailing", "trailing-lf", "blanks", "blanks-unterminated", "ws"],
    )
    def test_an_empty_or_blank_line_anywhere_is_an_error(self, text: str) -> None:
        """postfix-tlspol, mox and go-mtasts reject the whole policy (issue 8 §3)."""
        result = parse_policy(text)
        assert not result.valid
        assert result.policy is None
        assert severity_of(result.findings, "policy-syntax") == "error"
        message = next(f.message for f in result.findings if f.code == "policy-syntax")
        assert "postfix-tlspol" in message and "mox" in message

    def test_one_final_line_break_is_not_an_empty_line(self) -> None:
        assert parse_policy(RFC_EXAMPLE).valid
        assert parse_policy(RFC_EXAMPLE.removesuffix("\r\n")).valid

    @pytest.mark.parametrize("text", ["", "\r\n", "hello", "version: STSv1"])
    def test_empty_or_partial_input_is_invalid_not_an_exception(self, text: str) -> None:
        result = parse_policy(text)
        assert not result.valid
        assert result.policy is None
        assert result.findings


class TestInvalidPolicyStillShowsWhatWasWritten:
    def test_fields_are_reported_for_display(self) -> None:
        result = parse_policy(minimal("Enforce", "604800", "bad_host.example"))
        assert result.policy is None
        assert result.mode == "Enforce"
        assert result.mx == ("bad_host.example",)
        assert result.max_age == 604800


class TestRendering:
    def test_renders_the_rfc_example_with_crlf(self) -> None:
        policy = Policy(
            "enforce", ("mail.example.com", "*.example.net", "backupmx.example.com"), 604800
        )
        assert render_policy(policy) == RFC_EXAMPLE

    def test_every_line_ends_with_crlf(self) -> None:
        rendered = render_policy(Policy("testing", ("a.example.com",), 86400))
        assert rendered.endswith("\r\n")
        assert rendered.count("\n") == rendered.count("\r\n") == 4

    def test_mode_none_without_mx(self) -> None:
        assert render_policy(Policy("none", (), 86400)) == policy_text(
            "version: STSv1", "mode: none", "max_age: 86400"
        )

    def test_extensions_are_rendered_after_the_known_keys(self) -> None:
        rendered = render_policy(Policy("none", (), 86400, (("x-note", "hi"),)))
        assert rendered.endswith("max_age: 86400\r\nx-note: hi\r\n")

    def test_round_trip_keeps_the_policy(self) -> None:
        policy = parse_policy(RFC_EXAMPLE).policy
        assert policy is not None
        assert parse_policy(render_policy(policy)).policy == policy


class TestPolicyFromFields:
    def test_valid_fields_give_a_policy(self) -> None:
        result = policy_from_fields("testing", ["mail.example.com", "*.example.net"], 86400)
        assert result.valid
        assert result.policy == Policy("testing", ("mail.example.com", "*.example.net"), 86400)

    def test_uses_the_parser_rules(self) -> None:
        result = policy_from_fields("enforce", ["mail.example.com."], MAX_AGE_LIMIT + 1)
        assert not result.valid
        assert {"policy-mx-invalid", "policy-max-age-invalid"} <= set(codes(result.findings))

    @pytest.mark.parametrize(
        ("mode", "mx"),
        [
            ("enforce\r\nmx: evil.example", ["a.example.com"]),
            ("enforce", ["a.example.com\nmx: evil.example"]),
        ],
    )
    def test_a_line_break_cannot_smuggle_an_extra_line(self, mode: str, mx: list[str]) -> None:
        result = policy_from_fields(mode, mx, 86400)
        assert not result.valid
        assert result.policy is None
        assert codes(result.findings) == ["policy-syntax"]

    def test_empty_mx_is_refused_unless_mode_none(self) -> None:
        assert "policy-mx-missing" in codes(policy_from_fields("enforce", [], 86400).findings)
        assert policy_from_fields("none", [], 86400).valid


class TestDescribeDuration:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (0, "0 seconds"),
            (1, "1 second"),
            (59, "59 seconds"),
            (3600, "1 hour"),
            (86400, "1 day"),
            (90061, "1 day 1 hour"),
            (604800, "1 week"),
            (1209600, "2 weeks"),
            (1296000, "15 days"),
            (2592000, "30 days"),
            (MAX_AGE_LIMIT, "1 year"),
        ],
    )
    def test_names_the_two_largest_units(self, seconds: int, text: str) -> None:
        assert describe_duration(seconds) == text


class TestJudgedAsTheStrictestSenderDoes:
    """Issue 8 §3: what the RFC grammar rejects and a major sender rejects too is an error."""

    @pytest.mark.parametrize(
        "pattern", ["192.0.2.25", "[192.0.2.25]", "2001:db8::25", "[IPv6:2001:db8::25]", "10.1.2"]
    )
    def test_an_ip_address_as_mx_pattern_is_policy_mx_ip(self, pattern: str) -> None:
        result = parse_policy(minimal("enforce", "604800", pattern))
        assert not result.valid
        assert codes(result.findings) == ["policy-mx-ip"]
        assert severity_of(result.findings, "policy-mx-ip") == "error"

    def test_an_empty_extension_value_is_an_error(self) -> None:
        result = parse_policy(RFC_EXAMPLE + "x-note:\r\n")
        assert not result.valid
        assert codes(result.findings) == ["policy-syntax"]

    def test_a_colon_in_an_extension_value_is_a_compat_warning(self) -> None:
        """RFC allows it; go-mtasts splits every line at each ':' and rejects the policy."""
        result = parse_policy(RFC_EXAMPLE + "x-see: https://example.com/\r\n")
        assert result.valid
        assert codes(result.findings) == ["policy-compat"]
        assert severity_of(result.findings, "policy-compat") == "warning"
        assert "go-mtasts" in result.findings[0].message

    def test_utf8_in_an_extension_value_is_a_compat_warning(self) -> None:
        result = parse_policy(RFC_EXAMPLE + "x-owner: Jürgen\r\n")
        assert result.valid
        assert codes(result.findings) == ["policy-compat"]
        assert "postfix-mta-sts-resolver" in result.findings[0].message

    def test_a_unicode_line_separator_in_an_extension_value_is_a_compat_warning(self) -> None:
        result = parse_policy(RFC_EXAMPLE + "x-note: a\u2028b\r\n")
        assert result.valid
        assert "policy-compat" in codes(result.findings)

    @pytest.mark.parametrize(
        "text",
        [
            RFC_EXAMPLE.replace("mode: enforce", "mode:enforce"),
            RFC_EXAMPLE.replace("mode: enforce", "mode:\tenforce"),
            RFC_EXAMPLE.replace("mode: enforce", "mode: enforce \t"),
            RFC_EXAMPLE.replace("max_age: 604800", "max_age: 0000604800"),
        ],
        ids=["no-blank-after-colon", "tab-after-colon", "blanks-after-value", "leading-zeros"],
    )
    def test_what_the_grammar_and_every_sender_accept_stays_silent(self, text: str) -> None:
        result = parse_policy(text)
        assert result.valid
        assert result.findings == ()

    @pytest.mark.parametrize(
        "line",
        [" mode: enforce", "mode : enforce", "x-note: a\tb", "mode: enforce\x0b"],
        ids=["leading-blank", "blank-before-colon", "tab-inside-value", "vertical-tab"],
    )
    def test_what_the_grammar_and_a_strict_sender_reject_is_an_error(self, line: str) -> None:
        result = parse_policy(RFC_EXAMPLE + line + "\r\n")
        assert not result.valid
        assert severity_of(result.findings, "policy-syntax") == "error"

    def test_above_the_max_age_limit_names_who_rejects(self) -> None:
        result = parse_policy(minimal("enforce", "31557601"))
        assert not result.valid
        assert "postfix-mta-sts-resolver" in result.findings[0].message
