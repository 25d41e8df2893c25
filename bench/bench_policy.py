"""Time the policy hot path: parse a realistic policy and check it against the MX hosts.

Run: python bench/bench_policy.py  (prints mean microseconds per call; must stay far below 1 ms)
"""

from __future__ import annotations

import timeit

from mtasts_tui.core.mxpattern import coverage_findings
from mtasts_tui.core.policy import parse_policy

POLICY = (
    "version: STSv1\r\n"
    "mode: enforce\r\n"
    "mx: mx1.example.com\r\n"
    "mx: mx2.example.com\r\n"
    "mx: *.mail.example.net\r\n"
    "mx: backupmx.example.org\r\n"
    "max_age: 604800\r\n"
)
MX_HOSTS = (
    "mx1.example.com.",
    "MX2.example.com.",
    "in1.mail.example.net.",
    "backupmx.example.org.",
)


def check_once() -> None:
    result = parse_policy(POLICY)
    assert result.policy is not None
    findings = coverage_findings(result.policy.mx, MX_HOSTS, result.policy.mode)
    assert not findings


def main() -> None:
    check_once()  # warm up and prove the case is valid
    timer = timeit.Timer(check_once)
    loops, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=loops)) / loops
    mean = sum(timer.repeat(repeat=5, number=loops)) / (5 * loops)
    print(
        f"parse_policy + coverage_findings: mean {mean * 1e6:.1f} µs per call "
        f"(best {best * 1e6:.1f} µs, {loops} calls x 5 runs)"
    )


if __name__ == "__main__":
    main()
