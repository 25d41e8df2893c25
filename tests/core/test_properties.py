"""Properties that must hold for every input, checked with hypothesis."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.mxpattern import is_valid_mx_pattern, mx_matches, mx_pattern_problem
from mtasts_tui.core.policy import MAX_AGE_LIMIT, MODES, Policy, parse_policy, render_policy
from mtasts_tui.core.policyid import is_valid_policy_id, new_policy_id
from mtasts_tui.core.stsrecord import check_sts_records
from mtasts_tui.core.tlsrpt import check_tlsrpt_records, rua_problem
from mtasts_tui.core.zone import TXT_STRING_LIMIT, split_txt

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_end = st.sampled_from(_ALNUM + "ABCXYZ")
labels = st.one_of(
    _end,
    st.tuples(_end, st.text(_ALNUM + "-", max_size=10), _end).map("".join),
)
"""An LDH label, sometimes with uppercase letters."""
host_names = st.lists(labels, min_size=2, max_size=4).map(".".join)
mx_patterns = st.one_of(host_names, host_names.map(lambda h: "*." + h))
policies = st.builds(
    Policy,
    mode=st.sampled_from(MODES),
    mx=st.lists(mx_patterns, max_size=5).map(tuple),
    max_age=st.integers(min_value=0, max_value=MAX_AGE_LIMIT),
).filter(lambda p: p.mode == "none" or p.mx)

any_text = st.text(max_size=300)
policy_like_text = st.lists(
    st.one_of(
        st.sampled_from(["version", "mode", "mx", "max_age", "Mode", "x"]).flatmap(
            lambda k: st.text(max_size=40).map(lambda v: f"{k}: {v}")
        ),
        any_text,
    ),
    max_size=8,
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda eol: eol.join(lines)))
txt_record = st.one_of(
    any_text,
    st.binary(max_size=100),
    st.lists(st.one_of(any_text, st.binary(max_size=50)), max_size=4),
    any_text.map(lambda t: "v=STSv1;" + t),
    any_text.map(lambda t: "v=TLSRPTv1;" + t),
)


@given(policies)
def test_render_then_parse_gives_the_same_policy(policy: Policy) -> None:
    result = parse_policy(render_policy(policy))
    assert result.valid, result.findings
    assert result.policy == policy


@given(st.one_of(policy_like_text, any_text, st.binary(max_size=300)))
def test_parse_policy_never_raises(text: str | bytes) -> None:
    result = parse_policy(text)
    assert result.valid == (result.policy is not None)
    assert not (result.valid and any(f.severity == "error" for f in result.findings))


@given(st.lists(txt_record, max_size=4))
def test_record_checks_never_raise(records: list[str | bytes | list[str | bytes]]) -> None:
    sts = check_sts_records(records)
    rpt = check_tlsrpt_records(records)
    assert sts.findings or sts.valid
    assert rpt.findings or rpt.valid
    if sts.id is not None:
        assert is_valid_policy_id(sts.id)
    for uri in rpt.rua:
        assert rua_problem(uri) is None


@given(st.one_of(any_text, host_names, host_names.map(lambda h: h + ".")))
def test_parse_domain_never_raises_and_returns_a_name_or_a_message(text: str) -> None:
    result = parse_domain(text)
    assert isinstance(result, DomainName | str)
    if isinstance(result, DomainName):
        assert result.ascii == result.ascii.lower()
        assert not result.ascii.endswith(".")
        assert result.ascii.isascii()


@given(host_names)
def test_parse_domain_accepts_every_ldh_name_with_or_without_root_dot(name: str) -> None:
    assert parse_domain(name + ".") == parse_domain(name)
    if not name.replace(".", "").isdigit():
        assert isinstance(parse_domain(name), DomainName)


@given(any_text)
def test_mx_pattern_problem_never_raises(pattern: str) -> None:
    assert mx_pattern_problem(pattern) is None or isinstance(mx_pattern_problem(pattern), str)


@given(labels, host_names)
def test_wildcard_matches_one_label_under_the_host_and_nothing_else(label: str, host: str) -> None:
    pattern = "*." + host
    assert is_valid_mx_pattern(pattern)
    assert mx_matches(pattern, f"{label}.{host}")
    assert mx_matches(pattern, f"{label}.{host}.".upper())
    assert not mx_matches(pattern, host)
    assert not mx_matches(pattern, f"{label}.{label}.{host}")


@given(st.datetimes(timezones=st.one_of(st.none(), st.timezones())), st.one_of(st.none(), any_text))
@settings(deadline=None)
def test_new_policy_id_is_always_valid_and_never_the_previous(
    now: datetime, previous: str | None
) -> None:
    fresh = new_policy_id(now, previous)
    assert is_valid_policy_id(fresh)
    assert fresh != previous
    assert new_policy_id(now, fresh) != fresh


@given(st.text(max_size=800))
def test_split_txt_parts_fit_and_join_back(value: str) -> None:
    parts = split_txt(value)
    assert "".join(parts) == value
    assert all(len(p.encode("utf-8", "surrogatepass")) <= TXT_STRING_LIMIT for p in parts)
