"""The rollout ramp: testing first, then enforce with a max_age raised one rung at a time."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from mtasts_tui.core.checklist import MAX_AGE_LADDER, ramp
from mtasts_tui.core.policy import MAX_AGE_LIMIT, Policy

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
