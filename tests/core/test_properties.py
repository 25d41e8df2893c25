"""Properties that must hold for every input, checked with hypothesis."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.core.domain import DomainName, parse_domain
from mtasts_tui.core.facts import DomainFacts, MxLookup, PolicyFetch, TxtLookup
from mtasts_tui.core.findings import Finding
from mtasts_tui.core.judge import judge
from mtasts_tui.core.mxpattern import is_valid_mx_pattern, mx_matches, mx_pattern_problem
from mtasts_tui.core.policy import MAX_AGE_LIMIT, MODES, Policy, parse_policy, render_policy
from mtasts_tui.core.policyid import is_valid_policy_id, new_policy_id
from mtasts_tui.core.stsrecord import check_sts_records, sts_record_value
from mtasts_tui.core.tlsrpt import check_tlsrpt_records, rua_problem, tlsrpt_record_value
from mtasts_tui.core.zone import TXT_STRING_LIMIT, split_txt

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_end = st.sampled_from(_ALNUM + "ABCXYZ")
labels = st.one_of(
    _end,
    st.tuples(_end, st.text(_ALNUM + "-", max_size=10), _end).map("".join),
).filter(lambda label: label[2:4] != "--")
"""An LDH label, sometimes with uppercase letters; never the IDNA-reserved '--' at 3-4."""
top_labels = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)
"""A top-level label: never all digits, so no name reads as an IP address."""
host_names = st.tuples(st.lists(labels, min_size=1, max_size=3), top_labels).map(
    lambda parts: ".".join([*parts[0], parts[1]])
)
mx_patterns = st.one_of(host_names, host_names.map(lambda h: "*." + h))
extension_names = st.from_regex(r"\Ax-[a-z0-9_.-]{1,20}\Z")
extension_values = (
    st.text(
        "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != ":") + " ", min_size=1, max_size=30
    )
    .map(lambda v: v.strip(" "))
    .filter(bool)
)
"""What every sender accepts: printable ASCII, inner spaces, no ':' (go-mtasts)."""
policies = st.builds(
    Policy,
    mode=st.sampled_from(MODES),
    mx=st.lists(mx_patterns, max_size=5).map(tuple),
    max_age=st.integers(min_value=0, max_value=MAX_AGE_LIMIT),
    extensions=st.lists(
        st.tuples(extension_names, extension_values), max_size=3, unique_by=lambda kv: kv[0]
    ).map(tuple),
).filter(lambda p: p.mode == "none" or p.mx)
policy_ids = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=32
)
rua_uris = st.one_of(
    host_names.map(lambda h: "mailto:tlsrpt@" + h.lower()),
    host_names.map(lambda h: "https://" + h.lower() + "/tlsrpt"),
)
blank_lines = st.sampled_from(["", " ", "\t", "  \t "])
blanks = st.text(" \t", min_size=1, max_size=3)

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


def strict_problems(findings: Iterable[Finding]) -> list[Finding]:
    """What a strict sender would refuse: errors, and warnings that some sender rejects."""
    return [f for f in findings if f.severity == "error" or f.code.endswith("-compat")]


@given(policies)
def test_render_then_parse_gives_the_same_policy(policy: Policy) -> None:
    result = parse_policy(render_policy(policy))
    assert result.valid, result.findings
    assert result.policy == policy


@given(policies)
def test_rendered_policies_pass_the_strictest_rules(policy: Policy) -> None:
    assert strict_problems(parse_policy(render_policy(policy)).findings) == []


@given(policies, st.data(), blank_lines, st.sampled_from(["\r\n", "\n"]))
def test_a_blank_line_anywhere_makes_a_policy_invalid(
    policy: Policy, data: st.DataObject, blank: str, eol: str
) -> None:
    lines = render_policy(policy).split("\r\n")[:-1]
    at = data.draw(st.integers(min_value=0, max_value=len(lines)))
    text = eol.join([*lines[:at], blank, *lines[at:]]) + eol
    result = parse_policy(text)
    assert not result.valid
    assert any(f.code == "policy-syntax" and f.severity == "error" for f in result.findings)


@given(policies, extension_names)
def test_an_empty_extension_value_makes_a_policy_invalid(policy: Policy, name: str) -> None:
    assert not parse_policy(render_policy(policy) + f"{name}:\r\n").valid


@given(policies, st.sampled_from(["mode", "max_age", "version"]), st.data())
def test_a_repeated_field_with_another_value_makes_a_policy_invalid(
    policy: Policy, key: str, data: st.DataObject
) -> None:
    current = {"mode": policy.mode, "max_age": str(policy.max_age), "version": "STSv1"}[key]
    other = data.draw(
        st.sampled_from(["enforce", "testing", "none", "86400", "STSv2"]).filter(
            lambda v: v != current
        )
    )
    assert not parse_policy(render_policy(policy) + f"{key}: {other}\r\n").valid


@given(policy_ids)
def test_rendered_sts_records_are_valid_and_silent(policy_id: str) -> None:
    result = check_sts_records([split_txt(sts_record_value(policy_id))])
    assert result.valid
    assert result.id == policy_id
    assert result.findings == ()


@given(st.lists(rua_uris, min_size=1, max_size=4))
def test_rendered_tlsrpt_records_are_valid_and_silent(rua: list[str]) -> None:
    result = check_tlsrpt_records([split_txt(tlsrpt_record_value(rua))])
    assert result.valid
    assert result.rua == tuple(rua)
    assert result.findings == ()


@given(policy_ids, blanks)
def test_blanks_after_the_last_sts_field_without_a_delimiter_are_an_error(
    policy_id: str, trailing: str
) -> None:
    value = sts_record_value(policy_id)
    assert not check_sts_records([value + trailing]).valid
    assert check_sts_records([value + ";" + trailing]).valid


@given(st.lists(rua_uris, min_size=1, max_size=3), blanks)
def test_blanks_after_the_last_tlsrpt_field_without_a_delimiter_are_an_error(
    rua: list[str], trailing: str
) -> None:
    value = tlsrpt_record_value(rua)
    assert not check_tlsrpt_records([value + trailing]).valid
    assert check_tlsrpt_records([value + ";" + trailing]).valid


@given(policy_ids, st.data())
def test_an_empty_field_anywhere_makes_an_sts_record_invalid(
    policy_id: str, data: st.DataObject
) -> None:
    fields = ["v=STSv1", f"id={policy_id}", "ext=1"]
    at = data.draw(st.integers(min_value=1, max_value=len(fields) - 1))
    record = "; ".join([*fields[:at], "", *fields[at:]])
    assert not check_sts_records([record]).valid


@given(st.lists(rua_uris, min_size=1, max_size=3), st.data())
def test_an_empty_destination_anywhere_makes_a_tlsrpt_record_invalid(
    rua: list[str], data: st.DataObject
) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(rua)))
    value = "v=TLSRPTv1; rua=" + ",".join([*rua[:at], "", *rua[at:]])
    assert not check_tlsrpt_records([value]).valid


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


@given(st.one_of(policy_like_text, policies.map(render_policy)))
@settings(deadline=None)
def test_check_reports_every_finding_lint_reports_for_the_same_policy(text: str) -> None:
    """`lint policy` and `check` share parse_policy, so the judge repeats its findings."""
    facts = DomainFacts(
        domain="example.com",
        mx=MxLookup("ok", ()),
        sts=TxtLookup("_mta-sts.example.com", "ok", (("v=STSv1; id=abc",),)),
        tlsrpt=TxtLookup("_smtp._tls.example.com", "ok", (("v=TLSRPTv1; rua=mailto:r@x.org",),)),
        policy=PolicyFetch(
            url="https://mta-sts.example.com/.well-known/mta-sts.txt",
            status=200,
            content_type="text/plain",
            body=text.encode("utf-8", "surrogatepass"),
        ),
        mx_probes=(),
    )
    judged = judge(facts).findings
    for finding in parse_policy(text.encode("utf-8", "surrogatepass")).findings:
        assert finding in judged


wsp = st.text(" \t", max_size=2)
# "v" and "id" are the record's own fields: repeating them is judged elsewhere (sts-record-compat).
sts_extensions = st.lists(
    st.tuples(
        st.from_regex(r"\A[a-z][a-z0-9_.-]{0,10}\Z").filter(lambda n: n not in ("id", "v")),
        st.text("".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "=;"), min_size=1),
    ),
    max_size=3,
)


@given(policy_ids, sts_extensions, st.data())
def test_every_grammatical_spelling_of_a_record_is_valid_and_renders_back(
    policy_id: str, extensions: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Blanks around each ';', a final ';' or not, any field order: the same record."""
    fields = [f"id={policy_id}", *(f"{n}={v}" for n, v in extensions)]
    fields = data.draw(st.permutations(fields))
    record = "v=STSv1;" + data.draw(wsp)
    for index, field in enumerate(fields):
        record += field
        if index < len(fields) - 1:
            record += data.draw(wsp) + ";" + data.draw(wsp)
    if data.draw(st.booleans()):
        record += data.draw(wsp) + ";" + data.draw(wsp)
    result = check_sts_records([record])
    assert result.valid, result.findings
    assert result.findings == ()
    assert result.id == policy_id
    assert check_sts_records([sts_record_value(policy_id)]).id == policy_id


@given(policies, st.data())
def test_every_grammatical_spelling_of_a_policy_is_valid_and_renders_back(
    policy: Policy, data: st.DataObject
) -> None:
    """LF or CRLF, blanks after ':' and at line ends, any line order, final break or not."""
    lines = render_policy(policy).split("\r\n")[:-1]
    lines = data.draw(st.permutations(lines))
    spelled = []
    for line in lines:
        key, _, value = line.partition(": ")
        spelled.append(f"{key}:{data.draw(wsp)}{value}{data.draw(wsp)}")
    eol = data.draw(st.sampled_from(["\r\n", "\n"]))
    text = eol.join(spelled) + data.draw(st.sampled_from([eol, ""]))
    result = parse_policy(text)
    assert result.valid, result.findings
    assert result.policy is not None
    assert set(result.policy.mx) == set(policy.mx)
    assert (result.policy.mode, result.policy.max_age) == (policy.mode, policy.max_age)
    assert parse_policy(render_policy(result.policy)).policy == result.policy
