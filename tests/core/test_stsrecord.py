"""The `_mta-sts` TXT record (RFC 8461 §3.1)."""

from __future__ import annotations

import pytest

from mtasts_tui.core.stsrecord import check_sts_records, sts_record_value

from tests.core.helpers import codes, severity_of

RFC_EXAMPLE = "v=STSv1; id=20160831085700Z;"


class TestValidRecords:
    def test_the_rfc_example_is_valid(self) -> None:
        result = check_sts_records([RFC_EXAMPLE])
        assert result.valid
        assert result.id == "20160831085700Z"
        assert result.record == RFC_EXAMPLE
        assert result.findings == ()

    @pytest.mark.parametrize(
        "record",
        ["v=STSv1;id=abc", "v=STSv1; id=abc", "v=STSv1;  id=abc ;", "v=STSv1;\tid=abc"],
    )
    def test_blanks_around_field_delimiters_are_allowed(self, record: str) -> None:
        result = check_sts_records([record])
        assert result.valid
        assert result.id == "abc"

    @pytest.mark.parametrize("policy_id", ["a", "Z9", "A" * 32, "20261128T120000Z"])
    def test_id_is_one_to_32_letters_or_digits(self, policy_id: str) -> None:
        assert check_sts_records([f"v=STSv1; id={policy_id}"]).id == policy_id

    def test_extension_fields_are_allowed_and_kept(self) -> None:
        result = check_sts_records(["v=STSv1; id=abc; ext_1.x-y=value; other=42"])
        assert result.valid
        assert result.extensions == (("ext_1.x-y", "value"), ("other", "42"))

    def test_field_order_is_not_significant(self) -> None:
        result = check_sts_records(["v=STSv1; ext=1; id=abc"])
        assert result.valid
        assert result.id == "abc"

    def test_bytes_records_are_accepted(self) -> None:
        assert check_sts_records([b"v=STSv1; id=abc"]).id == "abc"


class TestWhitespaceBeforeTheFirstDelimiter:
    """The ABNF delimiter is *WSP ";" *WSP (erratum 6285), but the discovery sentence of §3.1
    keeps only records that begin with the literal "v=STSv1;": valid, with a compat warning."""

    @pytest.mark.parametrize("record", ["v=STSv1 ; id=abc", "v=STSv1\t;id=abc"])
    def test_is_valid_with_a_compat_warning(self, record: str) -> None:
        result = check_sts_records([record])
        assert result.valid
        assert result.id == "abc"
        assert codes(result.findings) == ["sts-record-compat"]
        assert severity_of(result.findings, "sts-record-compat") == "warning"


class TestTrailingBlanks:
    """Blanks are part of the delimiter only around a ';' (issue 8 §3)."""

    @pytest.mark.parametrize(
        "record", ["v=STSv1; id=abc ", "v=STSv1; id=abc\t", "v=STSv1; id=abc; ext=1  "]
    )
    def test_blanks_after_the_last_field_without_a_delimiter_are_an_error(
        self, record: str
    ) -> None:
        result = check_sts_records([record])
        assert not result.valid
        assert result.id is None
        assert severity_of(result.findings, "sts-record-invalid") == "error"
        message = " ".join(f.message for f in result.findings)
        assert "mox" in message and "postfix-tlspol" in message

    @pytest.mark.parametrize(
        "record", ["v=STSv1; id=abc; ", "v=STSv1; id=abc ;", "v=STSv1; id=abc ; \t"]
    )
    def test_blanks_around_a_final_delimiter_are_allowed(self, record: str) -> None:
        result = check_sts_records([record])
        assert result.valid
        assert result.findings == ()

    def test_blanks_split_across_strings_count_the_same(self) -> None:
        assert not check_sts_records([["v=STSv1; id=abc", " "]]).valid


class TestStringsAndRecords:
    def test_strings_of_one_record_are_joined_without_spaces(self) -> None:
        result = check_sts_records([["v=STSv1; id=2016", "0831085700Z;"]])
        assert result.valid
        assert result.id == "20160831085700Z"

    def test_strings_may_split_anywhere_even_inside_the_version(self) -> None:
        result = check_sts_records([["v=ST", "Sv1;", " id=abc"]])
        assert result.valid
        assert result.id == "abc"

    def test_byte_strings_of_one_record_are_joined(self) -> None:
        assert check_sts_records([[b"v=STSv1; ", b"id=abc"]]).id == "abc"

    def test_separate_records_are_never_joined(self) -> None:
        result = check_sts_records(["v=STSv1;", "id=abc"])
        assert not result.valid
        assert result.id is None
        assert result.record == "v=STSv1;"
        assert set(codes(result.findings)) == {"sts-record-invalid", "sts-record-compat"}


class TestDiscardThenCount:
    def test_records_without_the_version_prefix_are_discarded(self) -> None:
        records = ["google-site-verification=xyz", "v=spf1 -all", "v=STSv1; id=abc"]
        result = check_sts_records(records)
        assert result.valid
        assert result.id == "abc"

    def test_other_records_beside_the_sts_record_are_a_compat_warning(self) -> None:
        """go-mtasts (maddy) counts every TXT record before it looks at the version."""
        result = check_sts_records(["hello", "v=STSv1; id=abc"])
        assert result.valid
        assert codes(result.findings) == ["sts-record-compat"]
        assert severity_of(result.findings, "sts-record-compat") == "warning"
        assert "go-mtasts" in result.findings[0].message

    def test_a_version_without_delimiter_beside_the_record_also_names_the_resolver(self) -> None:
        """postfix-mta-sts-resolver counts every record that starts with 'v=STSv1'."""
        result = check_sts_records(["v=STSv1", "v=STSv1; id=abc"])
        assert result.valid
        assert "postfix-mta-sts-resolver" in result.findings[0].message

    def test_no_records_at_all_is_missing(self) -> None:
        result = check_sts_records([])
        assert not result.valid
        assert codes(result.findings) == ["sts-record-missing"]
        assert severity_of(result.findings, "sts-record-missing") == "error"

    def test_only_unrelated_records_is_missing(self) -> None:
        result = check_sts_records(["v=spf1 -all", "hello"])
        assert not result.valid
        assert result.record is None
        assert codes(result.findings) == ["sts-record-missing"]

    def test_two_sts_records_is_multiple_even_when_each_is_valid(self) -> None:
        result = check_sts_records(["v=STSv1; id=old1", "v=STSv1; id=new2"])
        assert not result.valid
        assert result.id is None
        assert codes(result.findings) == ["sts-record-multiple"]
        assert severity_of(result.findings, "sts-record-multiple") == "error"

    def test_a_spaced_record_counts_towards_multiple(self) -> None:
        result = check_sts_records(["v=STSv1; id=a", "v=STSv1 ; id=b"])
        assert codes(result.findings) == ["sts-record-multiple"]

    @pytest.mark.parametrize(
        "near_miss",
        ["v=stsv1; id=abc", "V=STSv1; id=abc", "v=STSv1", "v=STSv1 id=abc", " v=STSv1;"],
    )
    def test_a_near_miss_is_discarded_and_reported_as_invalid(self, near_miss: str) -> None:
        result = check_sts_records([near_miss])
        assert not result.valid
        assert result.id is None
        assert result.record is None
        assert codes(result.findings) == ["sts-record-invalid"]

    def test_a_near_miss_beside_a_valid_record_is_simply_discarded(self) -> None:
        result = check_sts_records(["V=STSv1; id=old", "v=STSv1; id=abc"])
        assert result.valid
        assert result.id == "abc"

    def test_version_must_be_followed_by_the_delimiter(self) -> None:
        result = check_sts_records(["v=STSv10; id=abc"])
        assert not result.valid


class TestInvalidRecord:
    @pytest.mark.parametrize(
        "record",
        [
            "v=STSv1;",
            "v=STSv1; ",
            "v=STSv1; ext=1",
            "v=STSv1; id=",
            "v=STSv1; id=" + "a" * 33,
            "v=STSv1; id=2016-08-31",
            "v=STSv1; id=abc.def",
            "v=STSv1; id=abc def",
            "v=STSv1; id=ábc",
            "v=STSv1; id=abc;; ext=1",
            "v=STSv1; id=abc; novalue",
            "v=STSv1; id=abc; _bad=1",
            "v=STSv1; id=abc; ext=a=b",
            "v=STSv1; ID=abc",
        ],
    )
    def test_is_an_error_and_yields_no_id(self, record: str) -> None:
        result = check_sts_records([record])
        assert not result.valid
        assert result.id is None
        assert set(codes(result.findings)) == {"sts-record-invalid"}
        assert severity_of(result.findings, "sts-record-invalid") == "error"
        assert result.record == record

    def test_repeated_id_is_a_compat_warning_and_the_first_wins(self) -> None:
        """The RFC keeps the first; mox rejects the record, two others keep the last."""
        result = check_sts_records(["v=STSv1; id=first; id=second"])
        assert result.valid
        assert result.id == "first"
        assert codes(result.findings) == ["sts-record-compat"]
        assert severity_of(result.findings, "sts-record-compat") == "warning"
        assert "mox" in result.findings[0].message

    def test_a_later_v_field_with_another_version_is_a_compat_warning(self) -> None:
        """An extension to the RFC; postfix-mta-sts-resolver and go-mtasts read every 'v'."""
        result = check_sts_records(["v=STSv1; id=abc; v=STSv2"])
        assert result.valid
        assert codes(result.findings) == ["sts-record-compat"]
        assert "go-mtasts" in result.findings[0].message

    def test_a_wrong_case_id_is_named_in_the_message(self) -> None:
        result = check_sts_records(["v=STSv1; ID=abc"])
        assert "write 'id', not 'ID'" in result.findings[0].message


class TestRendering:
    def test_value_to_publish(self) -> None:
        assert sts_record_value("20160831085700Z") == "v=STSv1; id=20160831085700Z"

    def test_rendered_value_checks_valid(self) -> None:
        result = check_sts_records([sts_record_value("abc123")])
        assert result.valid
        assert result.findings == ()


class TestTrailingNewlineIsNotSmuggledThrough:
    def test_id_with_a_final_newline_is_invalid(self) -> None:
        assert not check_sts_records(["v=STSv1; id=abc\n"]).valid

    def test_extension_value_with_a_final_newline_is_invalid(self) -> None:
        assert not check_sts_records(["v=STSv1; id=abc; ext=1\n"]).valid
