"""The rollout plan: what to publish in which order, and how to ramp up to enforce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mtasts_tui.core.policy import MAX_AGE_LIMIT, ONE_DAY, ONE_WEEK, Policy, describe_duration

THIRTY_DAYS = 30 * ONE_DAY
MAX_AGE_LADDER = (ONE_DAY, ONE_WEEK, THIRTY_DAYS, MAX_AGE_LIMIT)
"""The max_age steps of the ramp: 1 day, 1 week, 30 days, 1 year."""
TESTING_PERIOD = timedelta(days=14)
STEP_PERIOD = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RampStep:
    not_before: date
    """The earliest day to make this change, if the reports stay clean."""
    mode: str
    max_age: int
    note: str


def ramp(policy: Policy, start: date) -> list[RampStep]:
    """From the policy being published today to enforce with a one-year max_age.

    Testing comes first for at least two weeks of reports; then enforce with a short max_age so a
    mistake expires quickly, raised one rung at a time. Each step is a policy change, so each
    needs a new id.
    """
    steps = [RampStep(start, policy.mode, policy.max_age, "publish this bundle")]
    if policy.mode == "none":
        return steps
    day = start
    if policy.mode == "testing":
        day += TESTING_PERIOD
        steps.append(
            RampStep(
                day,
                "enforce",
                ONE_DAY,
                "switch to enforce once two weeks of reports show no STS failures",
            )
        )
        current = ONE_DAY
    else:
        current = policy.max_age
    for rung in MAX_AGE_LADDER:
        if rung <= current:
            continue
        day += STEP_PERIOD
        steps.append(RampStep(day, "enforce", rung, f"raise max_age to {describe_duration(rung)}"))
        current = rung
    return steps
