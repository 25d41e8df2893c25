"""TXT values for zone files and provider forms (RFC 1035 §3.3: 255-octet strings)."""

from __future__ import annotations

import pytest

from mtasts_tui.core.zone import (
    TXT_STRING_LIMIT,
    quote_txt_string,
    split_txt,
    txt_strings_from_rdata,
    zone_line,
    zone_txt_rdata,
)


class TestSplitting:
    def test_a_short_value_is_one_string(self) -> None:
        assert split_txt("v=STSv1; id=abc") == ["v=STSv1; id=abc"]

    def test_the_empty_value_is_one_empty_string(self) -> None:
        assert split_txt("") == [""]

    @pytest.mark.parametrize(("length", "count"), [(255, 1), (256, 2), (510, 2), (511, 3)])
    def test_strings_hold_at_most_255_bytes(self, length: int, count: int) -> None:
        chunks = split_txt("a" * length)
        assert len(chunks) == count
        assert all(len(c.encode()) <= TXT_STRING_LIMIT for c in chunks)
        assert [len(c) for c in chunks[:-1]] == [TXT_STRING_LIMIT] * (count - 1)

    def test_joining_the_strings_gives_the_value_back(self) -> None:
        rua = ",".join(f"mailto:tlsrpt{i}@example.com" for i in range(20))
        value = f"v=TLSRPTv1; rua={rua}"
        assert len(value) > 255
        assert "".join(split_txt(value)) == value

    def test_a_utf8_sequence_is_never_cut(self) -> None:
        value = "a" * 254 + "é" + "b"
        chunks = split_txt(value)
        assert chunks == ["a" * 254, "éb"]

    def test_a_smaller_limit_can_be_asked_for(self) -> None:
        assert split_txt("abcdef", limit=4) == ["abcd", "ef"]


class TestQuoting:
    def test_plain_text_is_quoted(self) -> None:
        assert quote_txt_string("v=STSv1; id=abc") == '"v=STSv1; id=abc"'

    def test_quotes_and_backslashes_are_escaped(self) -> None:
        assert quote_txt_string('a"b\\c') == '"a\\"b\\\\c"'

    def test_other_bytes_are_decimal_escapes(self) -> None:
        assert quote_txt_string("é\t") == '"\\195\\169\\009"'

    def test_rdata_of_a_long_value_is_several_quoted_strings(self) -> None:
        rdata = zone_txt_rdata("a" * 300)
        assert rdata == '"' + "a" * 255 + '" "' + "a" * 45 + '"'

    def test_zone_line_has_owner_ttl_class_type_and_rdata(self) -> None:
        line = zone_line("_mta-sts.example.com.", 300, "TXT", '"v=STSv1; id=abc"')
        assert line.split() == ["_mta-sts.example.com.", "300", "IN", "TXT", '"v=STSv1;', 'id=abc"']

    def test_dns_bytes_are_shown_as_text_without_raising(self) -> None:
        assert txt_strings_from_rdata([b"v=STSv1;", b"\xff"]) == ["v=STSv1;", "\ufffd"]
