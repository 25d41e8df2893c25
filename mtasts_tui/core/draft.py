"""The one validator of a drafted policy, shared by the wizard's editor and `mtasts-tui export`.

Each field is judged by the rule in its home module (``parse_mode``, ``mx_pattern_problem``,
``max_age_seconds`` and ``max_age_problem``, ``rua_problem``, ``policy_id_problem``); then the
policy file the fields make goes through the parser that ``lint policy`` and ``check`` run, so a
draft passes only when that parser would accept its file.

A draft is stricter than a published policy in one place: what the RFC allows but some sender
rejects (``mx_pattern_compat_problem``, a ``policy-compat`` warning when linting a file) is refused,
because our own bundle must work with every sender (README, "Where the RFC and real senders
differ": "Our own export never produces any of these").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mtasts_tui.core.mxpattern import mx_pattern_compat_problem, mx_pattern_problem
from mtasts_tui.core.policy import (
    Mode,
    Policy,
    PolicyCheck,
    max_age_problem,
    max_age_seconds,
    mx_required,
    parse_mode,
    policy_from_fields,
)
from mtasts_tui.core.policyid import policy_id_problem
from mtasts_tui.core.text import clip, quoted
from mtasts_tui.core.tlsrpt import rua_problem

DraftField = Literal["mode", "mx", "max_age", "rua", "policy_id", "policy"]
"""A field of the form; ``policy`` is the file they make together."""


@dataclass(frozen=True, slots=True)
class DraftFields:
    """The five fields of a draft, as typed."""

    mode: str
    mx: tuple[str, ...]
    """One pattern per entry."""
    max_age: str
    """As typed: blanks around the digits are ignored."""
    rua: tuple[str, ...]
    """TLS-RPT destinations; none is allowed (no ``_smtp._tls`` record is made)."""
    policy_id: str


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field."""

    field: DraftField
    problem: str
    """In the rule's own words, for beside the field in the editor."""
    message: str
    """One sentence that names the field and its value, for a list of problems."""
    index: int | None = None
    """Which mx pattern or rua destination (position in the field); None for the whole field."""


@dataclass(frozen=True, slots=True)
class DraftValidation:
    """The verdict on a draft: every problem at once, and the policy when there is none."""

    fields: DraftFields
    problems: tuple[FieldProblem, ...]
    """Empty when the draft can be exported."""
    mode: Mode | None
    """The mode when it is one of MODES."""
    max_age: int | None
    """The max_age when it is 1 to 10 ASCII digits (within bounds or not)."""
    policy_check: PolicyCheck | None
    """The parser's verdict on the file the fields make; None while the mode, a pattern or
    max_age is unusable."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def policy(self) -> Policy | None:
        """The policy to publish, only when the whole draft is valid."""
        if not self.ok or self.policy_check is None:
            return None
        return self.policy_check.policy

    def of(self, field: DraftField) -> tuple[FieldProblem, ...]:
        return tuple(p for p in self.problems if p.field == field)

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


def validate_draft(fields: DraftFields) -> DraftValidation:
    """Every problem with ``fields``, per field, in one pass (nothing raises)."""
    problems: list[FieldProblem] = []
    mode = parse_mode(fields.mode)
    if mode is None:
        problem = f"mode {quoted(fields.mode)} is not one of enforce, testing, none"
        problems.append(FieldProblem("mode", problem, problem + "."))
    for i, pattern in enumerate(fields.mx):
        # A pattern some sender rejects would make our own bundle fail there: refuse it too.
        mx_problem = mx_pattern_problem(pattern) or mx_pattern_compat_problem(pattern)
        if mx_problem:
            message = f"mx pattern {quoted(pattern)} is invalid: {clip(mx_problem)}."
            problems.append(FieldProblem("mx", mx_problem, message, i))
    if not fields.mx and mode is not None and mx_required(mode):
        problem = f"mode {mode} needs at least one mx pattern."
        problems.append(FieldProblem("mx", problem, problem))
    max_age = max_age_seconds(fields.max_age.strip())
    if max_age is None:
        problem = "max_age is a whole number of seconds, e.g. 86400 for one day."
        message = (
            f"max_age {quoted(clip(fields.max_age))} is not a whole number of seconds "
            "(1 to 10 digits), e.g. 86400 for one day."
        )
        problems.append(FieldProblem("max_age", problem, message))
    elif age_problem := max_age_problem(max_age):
        problems.append(FieldProblem("max_age", age_problem, age_problem + "."))
    id_problem = policy_id_problem(fields.policy_id)
    if id_problem:
        message = f"policy id {quoted(fields.policy_id)} is invalid: {clip(id_problem)}."
        problems.append(FieldProblem("policy_id", id_problem, message))
    for i, uri in enumerate(fields.rua):
        uri_problem = rua_problem(uri)
        if uri_problem:
            message = f"report destination {quoted(uri)} is invalid: {clip(uri_problem)}."
            problems.append(FieldProblem("rua", uri_problem, message, i))

    check = None
    unusable = any(
        p.field in ("mode", "max_age") or (p.field == "mx" and p.index is not None)
        for p in problems
    )
    if max_age is not None and not unusable:
        # The file exists once the mode, each pattern and max_age are usable; the editor
        # previews the parser's errors with it (an empty mx list is one of them).
        check = policy_from_fields(fields.mode, fields.mx, max_age)
        if not any(p.field == "mx" for p in problems):
            # The parser has the last word on the file: what it alone finds is a problem too.
            problems += [
                FieldProblem("policy", f.message, f.message)
                for f in check.findings
                if f.severity == "error"
            ]
    return DraftValidation(fields, tuple(problems), mode, max_age, check)
