"""The policy id (RFC 8461 §3.1): syntax and generation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mtasts_tui.core.policyid import is_valid_policy_id, new_policy_id, policy_id_problem


class TestSyntax:
    @pytest.mark.parametrize("value", ["a", "0", "20160831085700Z", "A" * 32, "abcXYZ019"])
    def test_one_to_32_ascii_letters_or_digits(self, value: str) -> None:
        assert is_valid_policy_id(value)
        assert policy_id_problem(value) is None

    @pytest.mark.parametrize(
        "value", ["", "A" * 33, "2016-08-31", "a.b", "a b", "a:b", "ä", "١", "abc\n", "a_b"]
    )
    def test_anything_else_is_invalid(self, value: str) -> None:
        assert not is_valid_policy_id(value)
        assert policy_id_problem(value)


class TestGeneration:
    def test_is_the_utc_timestamp(self) -> None:
        now = datetime(2026, 11, 28, 11, 42, 9, tzinfo=UTC)
        assert new_policy_id(now) == "20261128T114209Z"

    def test_other_time_zones_are_converted_to_utc(self) -> None:
        now = datetime(2026, 11, 28, 12, 42, 9, tzinfo=timezone(timedelta(hours=1)))
        assert new_policy_id(now) == "20261128T114209Z"

    def test_same_second_as_the_previous_id_still_gives_a_fresh_id(self) -> None:
        now = datetime(2026, 11, 28, 11, 42, 9, tzinfo=UTC)
        fresh = new_policy_id(now, previous="20261128T114209Z")
        assert fresh != "20261128T114209Z"
        assert is_valid_policy_id(fresh)

    def test_an_unrelated_previous_id_does_not_change_the_result(self) -> None:
        now = datetime(2026, 11, 28, 11, 42, 9, tzinfo=UTC)
        assert new_policy_id(now, previous="old1") == "20261128T114209Z"

    def test_a_naive_time_is_taken_as_local_time(self) -> None:
        assert is_valid_policy_id(new_policy_id(datetime(2026, 1, 1, 12, 0, 0)))

    def test_without_a_time_uses_the_clock(self) -> None:
        assert is_valid_policy_id(new_policy_id())

    @pytest.mark.parametrize(
        "now",
        [
            datetime.min,
            datetime.max,
            datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
            datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_the_edges_of_the_calendar_still_give_a_valid_id(self, now: datetime) -> None:
        assert is_valid_policy_id(new_policy_id(now))
