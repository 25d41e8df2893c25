"""The `_mta-sts` TXT record (RFC 8461 §3.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mtasts_tui.core.findings import Finding, error, has_errors, warning
from mtasts_tui.core.policyid import policy_id_problem
from mtasts_tui.core.senders import GO_MTASTS, MOX, POSTFIX_RESOLVER, TLSPOL, who
from mtasts_tui.core.text import quoted
from mtasts_tui.core.txtrecord import (
    TxtRecord,
    case_hint,
    discover,
    join_record,
    parse_fields,
    strictly_prefixed,
)

STS_VERSION = "v=STSv1"


@dataclass(frozen=True, slots=True)
class StsRecordCheck:
    valid: bool
    """True when senders would find exactly one well-formed record with an id."""
    id: str | None
    """The policy id (first ``id`` field), when the record has a well-formed one."""
    record: str | None
    """The selected record, its strings joined; None when no record begins with v=STSv1."""
    extensions: tuple[tuple[str, str], ...] = ()
    """Fields other than ``id``, kept in order (senders ignore them)."""
    findings: tuple[Finding, ...] = field(default=())


def check_sts_records(records: Sequence[TxtRecord]) -> StsRecordCheck:
    """Apply the sender's discovery rule to every TXT record at ``_mta-sts.<domain>``."""
    candidates, near = discover(records, STS_VERSION)
    findings: list[Finding] = []
    if not candidates:
        if near:
            return StsRecordCheck(
                valid=False,
                id=None,
                record=None,
                findings=(
                    error(
                        "sts-record-invalid",
                        f"The TXT record {quoted(near)} looks like an MTA-STS record but does not "
                        "begin with exactly 'v=STSv1;' (case and the ';' matter), so senders "
                        "discard it. Publish 'v=STSv1; id=<id>'.",
                        subject=near,
                    ),
                ),
            )
        return StsRecordCheck(
            valid=False,
            id=None,
            record=None,
            findings=(
                error(
                    "sts-record-missing",
                    "No _mta-sts TXT record begins with 'v=STSv1;', so senders do not look for a "
                    "policy. Publish 'v=STSv1; id=<id>' at _mta-sts.<domain> after the policy "
                    "file is online.",
                ),
            ),
        )
    if len(candidates) > 1:
        return StsRecordCheck(
            valid=False,
            id=None,
            record=None,
            findings=(
                error(
                    "sts-record-multiple",
                    f"{len(candidates)} _mta-sts TXT records begin with 'v=STSv1;'; senders "
                    "require exactly one and otherwise ignore MTA-STS. Delete all but one "
                    "(usually an old id left behind).",
                ),
            ),
        )
    record = candidates[0]
    parsed = parse_fields(
        record, STS_VERSION, value_checked=frozenset({"id"}), strict_parsers=who(MOX, TLSPOL)
    )
    for problem in parsed.problems:
        findings.append(
            error(
                "sts-record-invalid",
                f"The _mta-sts record is not valid: {problem}. Senders ignore an invalid "
                "record; publish 'v=STSv1; id=<id>'.",
                subject=record,
            )
        )
    ids = [value for name, value in parsed.fields if name == "id"]
    policy_id: str | None = None
    if not ids:
        findings.append(
            error(
                "sts-record-invalid",
                "The _mta-sts record has no id field; senders need it to notice policy "
                "changes. Add '; id=<letters and digits>'." + case_hint(parsed.fields, "id"),
                subject=record,
            )
        )
    else:
        id_problem = policy_id_problem(ids[0])
        if id_problem:
            findings.append(
                error(
                    "sts-record-invalid",
                    f"The policy id {quoted(ids[0])} is invalid: {id_problem}. Use 1-32 letters "
                    "and digits, e.g. a UTC timestamp such as 20261128T120000Z.",
                    subject=record,
                )
            )
        else:
            policy_id = ids[0]
        if len(ids) > 1:
            findings.append(repeated_id(record, len(ids)))
    if not strictly_prefixed(record, STS_VERSION):
        findings.append(
            warning(
                "sts-record-compat",
                "The record has a blank before the first ';'. RFC 8461's grammar allows it "
                "(erratum 6285), but its own discovery rule keeps only records that begin with "
                "the literal 'v=STSv1;', so a sender that follows that sentence discards the "
                "record. Write 'v=STSv1;' without the blank.",
                subject=record,
            )
        )
    if any(name == "v" and value != "STSv1" for name, value in parsed.fields):
        findings.append(
            warning(
                "sts-record-compat",
                f"The record has a second 'v' field that is not 'STSv1'. The RFC reads it as an "
                f"ignored extension, but {who(POSTFIX_RESOLVER, GO_MTASTS)} check every 'v' "
                "field and discard the record. Delete it.",
                subject=record,
            )
        )
    if len(records) > 1:
        findings.append(other_records(records))
    extensions = tuple((n, v) for n, v in parsed.fields if n != "id")
    valid = not has_errors(findings)
    return StsRecordCheck(
        valid=valid,
        id=policy_id if valid else None,
        record=record,
        extensions=extensions,
        findings=tuple(findings),
    )


def sts_record_value(policy_id: str) -> str:
    """The TXT value to publish at ``_mta-sts.<domain>``."""
    return f"{STS_VERSION}; id={policy_id}"


def repeated_id(record: str, count: int) -> Finding:
    """RFC 8461 §3.2 says to use the first of a repeated field; implementations disagree."""
    return warning(
        "sts-record-compat",
        f"The _mta-sts record has {count} id fields. The RFC keeps the first, but {MOX} rejects "
        f"the whole record and {who(POSTFIX_RESOLVER, GO_MTASTS)} use the last id. Keep one.",
        subject=record,
    )


def other_records(records: Sequence[TxtRecord]) -> Finding:
    """Senders that do not discard unrelated TXT records the way RFC 8461 §3.1 does."""
    near = [r for r in map(join_record, records) if r.startswith(STS_VERSION)]
    resolver = (
        f" {POSTFIX_RESOLVER} also counts every record that starts with 'v=STSv1' even "
        "without the ';', so it ignores MTA-STS here too."
        if len(near) > 1
        else ""
    )
    return warning(
        "sts-record-compat",
        f"_mta-sts has {len(records)} TXT records. The RFC discards those that do not begin with "
        f"'v=STSv1;', but {GO_MTASTS} counts every TXT record and ignores MTA-STS unless there "
        f"is exactly one.{resolver} Delete the other records at _mta-sts (they do nothing "
        "there).",
    )
