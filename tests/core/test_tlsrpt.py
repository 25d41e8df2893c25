"""The `_smtp._tls` TLS-RPT record (RFC 8460 §3) and its report destinations."""

from __future__ import annotations

import pytest

from mtasts_tui.core.tlsrpt import (
    check_tlsrpt_records,
    is_valid_rua,
    rua_problem,
    split_rua,
    tlsrpt_record_value,
)

from tests.core.helpers import codes, severity_of


class TestRfcExamples:
    """RFC 8460 §3.1.1 and §3.1.2."""

    def test_report_using_mailto(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1;rua=mailto:reports@example.com"])
        assert result.valid
        assert result.rua == ("mailto:reports@example.com",)
        assert result.findings == ()

    def test_report_using_https(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt"])
        assert result.valid
        assert result.rua == ("https://reporting.example.com/v1/tlsrpt",)
        assert result.findings == ()

    def test_the_https_example_as_two_strings_of_one_record(self) -> None:
        result = check_tlsrpt_records(
            [["v=TLSRPTv1; ", "rua=https://reporting.example.com/v1/tlsrpt"]]
        )
        assert result.valid


class TestDestinations:
    def test_comma_separated_list_in_record_order(self) -> None:
        record = (
            "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x , mailto:b@example.org"
        )
        result = check_tlsrpt_records([record])
        assert result.valid
        assert result.rua == (
            "mailto:a@example.com",
            "https://r.example.com/x",
            "mailto:b@example.org",
        )

    def test_split_rua_strips_blanks_around_commas(self) -> None:
        assert split_rua("mailto:a@x.org , \thttps://y.org") == ["mailto:a@x.org", "https://y.org"]

    @pytest.mark.parametrize(
        "uri",
        [
            "mailto:reports@example.com",
            "MAILTO:reports@example.com",
            "mailto:tls+rpt@example.com?subject=tlsrpt",
            "https://reporting.example.com/v1/tlsrpt",
            "https://reporting.example.com:8443/",
            "https://reporting.example.com",
        ],
    )
    def test_usable_destinations(self, uri: str) -> None:
        assert rua_problem(uri) is None
        assert is_valid_rua(uri)

    @pytest.mark.parametrize(
        "uri",
        [
            "",
            "reports@example.com",
            "http://reporting.example.com/",
            "ftp://reporting.example.com/",
            "mailto:",
            "mailto:@example.com",
            "mailto:reports",
            "mailto:reports@localhost",
            "mailto:reports@bad_domain.com",
            "https://",
            "https:///path",
            "https://bad_host.example/",
            "https://reporting.example.com:port/",
            "mailto:a@example.com b",
            "mailto:a@example.com;x",
            "mailto:a@example.com!10m",
            "mailto:a@exämple.com",
        ],
    )
    def test_unusable_destinations(self, uri: str) -> None:
        assert rua_problem(uri)
        assert not is_valid_rua(uri)

    def test_only_unusable_destinations_is_an_error(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; rua=http://reporting.example.com/"])
        assert not result.valid
        assert result.rua == ()
        assert codes(result.findings) == ["tlsrpt-invalid"]
        assert severity_of(result.findings, "tlsrpt-invalid") == "error"

    def test_one_unusable_among_usable_destinations_is_a_warning(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; rua=ftp://x.example.com/,mailto:r@example.com"])
        assert result.valid
        assert result.rua == ("mailto:r@example.com",)
        assert severity_of(result.findings, "tlsrpt-invalid") == "warning"


class TestDiscardThenCount:
    def test_unrelated_records_are_discarded(self) -> None:
        result = check_tlsrpt_records(["v=spf1 -all", "v=TLSRPTv1; rua=mailto:r@example.com"])
        assert result.valid

    def test_no_record_is_missing(self) -> None:
        result = check_tlsrpt_records([])
        assert not result.valid
        assert codes(result.findings) == ["tlsrpt-missing"]

    def test_only_unrelated_records_is_missing(self) -> None:
        result = check_tlsrpt_records(["v=STSv1; id=abc"])
        assert codes(result.findings) == ["tlsrpt-missing"]
        assert result.record is None

    def test_two_records_is_multiple(self) -> None:
        result = check_tlsrpt_records(
            ["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"]
        )
        assert not result.valid
        assert result.rua == ()
        assert codes(result.findings) == ["tlsrpt-multiple"]
        assert severity_of(result.findings, "tlsrpt-multiple") == "error"

    def test_separate_records_are_never_joined(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1;", "rua=mailto:a@example.com"])
        assert not result.valid
        assert set(codes(result.findings)) == {"tlsrpt-invalid"}

    @pytest.mark.parametrize("near_miss", ["v=tlsrptv1; rua=mailto:a@example.com", "v=TLSRPTv1"])
    def test_a_near_miss_is_discarded_and_reported_as_invalid(self, near_miss: str) -> None:
        result = check_tlsrpt_records([near_miss])
        assert not result.valid
        assert result.record is None
        assert codes(result.findings) == ["tlsrpt-invalid"]

    def test_space_before_the_first_delimiter_is_valid_with_a_compat_warning(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1 ; rua=mailto:a@example.com"])
        assert result.valid
        assert codes(result.findings) == ["tlsrpt-compat"]
        assert severity_of(result.findings, "tlsrpt-compat") == "warning"


class TestInvalidRecord:
    @pytest.mark.parametrize(
        "record",
        [
            "v=TLSRPTv1;",
            "v=TLSRPTv1; ext=1",
            "v=TLSRPTv1; rua=",
            "v=TLSRPTv1; RUA=mailto:a@example.com",
            "v=TLSRPTv1; rua=mailto:a@example.com;; x=1",
        ],
    )
    def test_rua_is_required_and_the_syntax_must_hold(self, record: str) -> None:
        result = check_tlsrpt_records([record])
        assert not result.valid
        assert result.rua == ()
        assert set(codes(result.findings)) == {"tlsrpt-invalid"}

    def test_extension_fields_are_allowed(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; rua=mailto:a@example.com; ext=1"])
        assert result.valid

    def test_repeated_rua_is_a_compat_warning_and_the_first_is_shown(self) -> None:
        """The grammar allows it; mox reports to every rua, others may use only the first."""
        result = check_tlsrpt_records(
            ["v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"]
        )
        assert result.valid
        assert result.rua == ("mailto:a@example.com",)
        assert codes(result.findings) == ["tlsrpt-compat"]
        assert severity_of(result.findings, "tlsrpt-compat") == "warning"


class TestTheRuaGrammar:
    """tlsrpt-rua = "rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri): what breaks it breaks the
    whole record for strict reporters (mox), so it is an error even beside good destinations."""

    @pytest.mark.parametrize(
        "value",
        [
            "mailto:a@example.com,,mailto:b@example.com",
            "mailto:a@example.com,",
            ",mailto:a@example.com",
            "mailto:a@example.com mailto:b@example.com",
            "mailto:a@example.com,b@example.com",
            "mailto:a@example.com,mailto:b@example.com!10m",
        ],
        ids=[
            "empty-element",
            "trailing-comma",
            "leading-comma",
            "blank-not-comma",
            "no-scheme",
            "bang",
        ],
    )
    def test_a_destination_outside_the_grammar_is_an_error(self, value: str) -> None:
        result = check_tlsrpt_records([f"v=TLSRPTv1; rua={value}"])
        assert not result.valid
        assert result.rua == ()
        assert severity_of(result.findings, "tlsrpt-invalid") == "error"

    def test_an_unsupported_scheme_beside_a_usable_one_is_still_only_a_warning(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; rua=http://x.example/,mailto:a@example.com"])
        assert result.valid
        assert severity_of(result.findings, "tlsrpt-invalid") == "warning"

    @pytest.mark.parametrize(
        "record",
        [
            "v=TLSRPTv1; rua=mailto:a@example.com ",
            "v=TLSRPTv1; rua=mailto:a@example.com; ext=1\t",
        ],
    )
    def test_blanks_after_the_last_field_without_a_delimiter_are_an_error(
        self, record: str
    ) -> None:
        result = check_tlsrpt_records([record])
        assert not result.valid
        assert severity_of(result.findings, "tlsrpt-invalid") == "error"

    def test_blanks_around_commas_and_a_final_delimiter_are_allowed(self) -> None:
        result = check_tlsrpt_records(
            ["v=TLSRPTv1; rua=mailto:a@example.com ,\tmailto:b@example.com ; "]
        )
        assert result.valid
        assert result.findings == ()

    def test_a_wrong_case_rua_is_named_in_the_message(self) -> None:
        result = check_tlsrpt_records(["v=TLSRPTv1; RUA=mailto:a@example.com"])
        assert "write 'rua', not 'RUA'" in result.findings[0].message


class TestRendering:
    def test_value_joins_destinations_with_commas(self) -> None:
        value = tlsrpt_record_value(["mailto:a@example.com", "https://r.example.com/x"])
        assert value == "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x"

    def test_rendered_value_checks_valid(self) -> None:
        value = tlsrpt_record_value(["mailto:a@example.com", "https://r.example.com/x"])
        result = check_tlsrpt_records([value])
        assert result.valid
        assert result.findings == ()


class TestTrailingNewlineIsNotSmuggledThrough:
    @pytest.mark.parametrize("uri", ["mailto:a@example.com\n", "https://r.example.com/\n"])
    def test_destination_with_a_final_newline_is_unusable(self, uri: str) -> None:
        assert rua_problem(uri)

    def test_record_whose_only_destination_ends_in_a_newline_is_invalid(self) -> None:
        assert not check_tlsrpt_records(["v=TLSRPTv1; rua=mailto:a@example.com\n"]).valid
