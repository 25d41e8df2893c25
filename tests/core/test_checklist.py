"""The rollout ramp: testing first, then enforce with a max_age raised one rung at a time."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from mtasts_tui.core.checklist import MAX_AGE_LADDER, ChecklistItem, checklist_items, ramp
from mtasts_tui.core.policy import MAX_AGE_LIMIT, Mode, Policy

START = date(2026, 1, 5)


def test_testing_ramps_to_enforce_after_two_weeks_then_climbs_the_ladder() -> None:
    steps = ramp(Policy("testing", ("mail.example.com",), 86400), START)
    assert [(s.mode, s.max_age) for s in steps] == [
        ("testing", 86400),
        ("enforce", 86400),
        ("enforce", 604800),
        ("enforce", 2592000),
        ("enforce", MAX_AGE_LIMIT),
    ]
    assert steps[1].not_before == START + timedelta(days=14)
    later = steps[1:]
    assert [b.not_before - a.not_before for a, b in itertools.pairwise(later)] == [
        timedelta(days=7)
    ] * 3


def test_enforce_skips_rungs_it_already_passed() -> None:
    steps = ramp(Policy("enforce", ("mail.example.com",), 604800), START)
    assert [(s.mode, s.max_age) for s in steps] == [
        ("enforce", 604800),
        ("enforce", 2592000),
        ("enforce", MAX_AGE_LIMIT),
    ]


def test_enforce_at_one_year_is_a_single_step() -> None:
    assert len(ramp(Policy("enforce", ("a.example.com",), MAX_AGE_LIMIT), START)) == 1


def test_none_is_a_single_step() -> None:
    steps = ramp(Policy("none", (), 86400), START)
    assert [(s.mode, s.not_before) for s in steps] == [("none", START)]


def test_the_ladder_ends_at_the_rfc_maximum() -> None:
    assert MAX_AGE_LADDER[-1] == MAX_AGE_LIMIT
    assert list(MAX_AGE_LADDER) == sorted(MAX_AGE_LADDER)


class TestChecklistItems:
    def items(self, mode: Mode = "testing", has_rua: bool = True) -> list[ChecklistItem]:
        mx = () if mode == "none" else ("mail.example.com",)
        return checklist_items("example.com", Policy(mode, mx, 86400), "ID1", has_rua, START)

    def test_keys_are_unique_and_do_not_depend_on_the_date(self) -> None:
        keys = [i.key for i in self.items()]
        assert len(keys) == len(set(keys))
        later = checklist_items(
            "example.com",
            Policy("testing", ("mail.example.com",), 86400),
            "ID2",
            True,
            date(2030, 1, 1),
        )
        assert [i.key for i in later] == keys

    def test_the_policy_file_goes_online_before_the_record_that_announces_it(self) -> None:
        keys = [i.key for i in self.items()]
        assert keys.index("upload-policy") < keys.index("verify-policy")
        assert keys.index("verify-policy") < keys.index("publish-sts-record")
        assert keys.index("publish-tlsrpt") < keys.index("publish-sts-record")

    def test_the_ramp_asks_for_clean_reports_and_lists_each_step_with_a_new_id(self) -> None:
        items = self.items()
        assert any(i.key == "watch-reports" for i in items)
        ramp_items = [i for i in items if i.step is not None]
        assert [i.step.max_age for i in ramp_items if i.step is not None] == list(MAX_AGE_LADDER)
        assert all("new id" in i.text for i in ramp_items)

    def test_missing_tlsrpt_is_called_out(self) -> None:
        text = next(i for i in self.items(has_rua=False) if i.key == "publish-tlsrpt").text
        assert "Add a TLS-RPT destination" in text

    def test_retiring_has_no_ramp(self) -> None:
        assert not any(i.section == "ramp" for i in self.items(mode="none"))

    def test_plain_text_drops_markdown(self) -> None:
        item = next(i for i in self.items() if i.key == "publish-sts-record")
        assert "`" not in item.plain and "v=STSv1; id=ID1" in item.plain
