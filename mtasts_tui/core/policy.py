"""The policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2).

The parser never raises: every problem becomes a finding. It judges as the strictest major sender
does: what the RFC grammar rejects and some sender rejects too is an error; what the RFC allows
but some sender rejects is an error when senders would apply different policies, and a
``policy-compat`` warning otherwise (README, "Where the RFC and real senders differ").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from mtasts_tui.core.findings import Finding, error, has_errors, info, warning
from mtasts_tui.core.mxpattern import mx_pattern_findings
from mtasts_tui.core.senders import GO_MTASTS, MOX, POSTFIX_RESOLVER, TLSPOL, who
from mtasts_tui.core.text import quoted

Mode = Literal["enforce", "testing", "none"]
"""The three policy modes of RFC 8461 §3.2."""
MODES: tuple[Mode, ...] = ("enforce", "testing", "none")
"""Every mode, strictest first (the editor's order, its keys 1, 2, 3)."""
MODE_RANK: dict[Mode, int] = {"none": 0, "testing": 1, "enforce": 2}
"""How strict a mode is: a lower rank after a higher one is a downgrade."""
POLICY_URL_PATH = "/.well-known/mta-sts.txt"
"""Where the policy lives on ``mta-sts.<domain>`` (RFC 8461 §3.2)."""


def parse_mode(text: str) -> Mode | None:
    """``text`` as a mode when it is exactly one of MODES (the grammar is case-sensitive)."""
    for mode in MODES:
        if text == mode:
            return mode
    return None


def mx_required(mode: str | None) -> bool:
    """RFC 8461 §3.2: a policy lists at least one mx unless its mode is none."""
    return mode != "none"


def policy_url(domain_ascii: str) -> str:
    """The one URL senders fetch the policy of ``domain_ascii`` (an A-label name) from."""
    return f"https://mta-sts.{domain_ascii}{POLICY_URL_PATH}"


MAX_AGE_LIMIT = 31_557_600
"""The largest max_age RFC 8461 allows: one year of 365.25 days, in seconds."""
MAX_POLICY_BYTES = 64 * 1024
"""RFC 8461 §3.3 suggests 64 kilobytes as the largest policy a sender reads."""
ONE_DAY = 86_400
ONE_WEEK = 604_800

MODE_EXPLANATIONS: dict[Mode, str] = {
    "enforce": "Senders refuse to deliver to an MX that fails TLS or is not listed.",
    "testing": "Senders deliver anyway and report failures (TLS-RPT): the safe first step.",
    "none": "Senders treat the domain as having no policy: used to retire MTA-STS.",
}

_LINE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*?)[ \t]*$")
_MAX_AGE_RE = re.compile(r"[0-9]{1,10}")
_CTL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_C1_RE = re.compile("[\x80-\x9f\u2028\u2029]")
_KNOWN_KEYS = ("version", "mode", "mx", "max_age")


@dataclass(frozen=True, slots=True)
class Policy:
    """A well-formed MTA-STS policy."""

    mode: Mode
    mx: tuple[str, ...]
    """mx patterns in file order; may be empty only when mode is none."""
    max_age: int
    """Seconds senders may cache the policy, 0..31557600."""
    extensions: tuple[tuple[str, str], ...] = ()
    """Unknown key/value lines, kept so a round trip loses nothing."""

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "mx": list(self.mx), "max_age": self.max_age}


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    valid: bool
    """True when there is no error finding: senders would apply this policy."""
    policy: Policy | None
    """The policy when valid, otherwise None."""
    mode: str | None = None
    """The first mode value, even when invalid (for display)."""
    mx: tuple[str, ...] = ()
    """Every mx value as written, even invalid ones (for display)."""
    max_age: int | None = None
    """The first max_age when it parses as a number."""
    line_endings: str = "none"
    """crlf, lf, mixed or none (a single line without terminator)."""
    findings: tuple[Finding, ...] = field(default=())


def parse_policy(text: str | bytes) -> PolicyCheck:
    """Parse and validate a policy body. Bytes must be UTF-8; nothing raises."""
    findings: list[Finding] = []
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            findings.append(
                error(
                    "policy-syntax",
                    f"The policy is not valid UTF-8 (byte {exc.start}). Save it as plain ASCII "
                    "or UTF-8 text.",
                )
            )
            text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        findings.append(
            error(
                "policy-syntax",
                "The policy starts with a byte-order mark, so its first line is not "
                "'version: STSv1' to a sender. Save the file without a BOM.",
            )
        )
        text = text[1:]

    lines, line_endings, ending_problems = _split_lines(text)
    findings.extend(ending_problems)

    first: dict[str, str] = {}
    mx_values: list[str] = []
    extensions: list[tuple[str, str]] = []
    blank_lines: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.strip(" \t") == "":
            blank_lines.append(number)
            continue
        match = _LINE_RE.match(line)
        if not match:
            findings.append(_bad_line(number, line))
            continue
        key, value = match.group(1), match.group(2)
        if _CTL_RE.search(value) or "\t" in value:
            findings.append(
                error(
                    "policy-syntax",
                    f"Line {number} ({key}) holds a tab or control character in its value; "
                    f"{who(TLSPOL, MOX)} reject the policy. Remove it.",
                    subject=f"line {number}",
                )
            )
            continue
        if key == "mx":
            mx_values.append(value)
            continue
        if key not in _KNOWN_KEYS:
            # Checked on repeats too: strict parsers read every line before they pick one.
            findings.extend(_extension_findings(number, key, value))
        if key in first:
            findings.append(_repeated_field(number, key, first[key], value))
            continue
        first[key] = value
        if key not in _KNOWN_KEYS:
            extensions.append((key, value))

    if blank_lines:
        findings.append(_blank_lines(blank_lines))
    if any(not value.isascii() for _key, value in extensions):
        findings.append(
            warning(
                "policy-compat",
                "An extension value holds non-ASCII characters. RFC 8461 allows UTF-8 there, "
                f"but {POSTFIX_RESOLVER} reads a policy as ASCII unless it is served "
                "with 'Content-Type: text/plain; charset=utf-8', and rejects it otherwise. "
                "Keep the policy ASCII.",
            )
        )

    version = first.get("version")
    if version is None:
        findings.append(
            error(
                "policy-version-invalid",
                "The policy has no 'version' line; add 'version: STSv1' as the first line.",
            )
        )
    elif version != "STSv1":
        findings.append(
            error(
                "policy-version-invalid",
                f"version is {quoted(version)}; the only version is exactly 'STSv1' "
                "(case-sensitive).",
            )
        )

    mode_text = first.get("mode")
    mode = None if mode_text is None else parse_mode(mode_text)
    if mode_text is None:
        findings.append(
            error(
                "policy-mode-invalid",
                "The policy has no 'mode' line; add 'mode: testing' (or enforce, or none).",
            )
        )
    elif mode is None:
        lowered = mode_text.lower()
        hint = f" Write {quoted(lowered)} in lowercase." if parse_mode(lowered) else ""
        findings.append(
            error(
                "policy-mode-invalid",
                f"mode is {quoted(mode_text)}; it must be exactly enforce, testing or none.{hint}",
            )
        )
    elif mode == "none":
        findings.append(
            warning(
                "policy-mode-none",
                "mode is none: senders treat the domain as having no MTA-STS policy. Use it only "
                "to retire MTA-STS; switch to testing to protect mail.",
            )
        )
    elif mode == "testing":
        findings.append(
            info(
                "policy-mode-testing",
                "mode is testing: senders deliver even when TLS fails and report failures via "
                "TLS-RPT. Switch to enforce once the reports show no failures.",
            )
        )

    max_age_text = first.get("max_age")
    max_age: int | None = None
    if max_age_text is None:
        findings.append(
            error(
                "policy-max-age-invalid",
                "The policy has no 'max_age' line; add one, e.g. 'max_age: 86400' (one day).",
            )
        )
    else:
        max_age, problem = _parse_max_age(max_age_text)
        if problem:
            findings.append(error("policy-max-age-invalid", problem))
        elif max_age is not None:
            findings.extend(max_age_advice(max_age, mode_text))

    for value in mx_values:
        findings.extend(mx_pattern_findings(value))
    if not mx_values and mx_required(mode_text):
        findings.append(
            error(
                "policy-mx-missing",
                "The policy lists no 'mx' line; unless mode is none, add one 'mx:' line per "
                "mail server (or a *. pattern), e.g. 'mx: mail.example.com'.",
            )
        )
    seen: dict[str, str] = {}
    for value in mx_values:
        key = value.lower()
        if key in seen:
            findings.append(
                info(
                    "policy-mx-duplicate",
                    f"mx {quoted(value)} is listed twice; one line is enough.",
                    subject=value,
                )
            )
        seen[key] = value

    valid = not has_errors(findings)
    policy = None
    if valid and mode is not None and max_age is not None:
        policy = Policy(
            mode=mode, mx=tuple(mx_values), max_age=max_age, extensions=tuple(extensions)
        )
    return PolicyCheck(
        valid=policy is not None,
        policy=policy,
        mode=mode_text,
        mx=tuple(mx_values),
        max_age=max_age,
        line_endings=line_endings,
        findings=tuple(findings),
    )


def policy_too_large(where: str) -> Finding:
    """A policy file or URL longer than MAX_POLICY_BYTES."""
    return error(
        "policy-too-large",
        f"{where} is larger than 64 KiB; senders stop reading there (RFC 8461 §3.3). A policy is "
        "a few lines: remove everything else from it.",
        subject=where,
    )


def max_age_problem(max_age: int) -> str | None:
    """The max_age bound rule shared by the parser, the editor and the exporter."""
    if max_age < 0:
        return "max_age cannot be negative"
    if max_age > MAX_AGE_LIMIT:
        return (
            f"max_age {max_age} is above the RFC 8461 limit of {MAX_AGE_LIMIT} seconds (one year; "
            "the grammar allows 10 digits but the prose sets this maximum)"
        )
    return None


def max_age_advice(max_age: int, mode: str | None) -> list[Finding]:
    """Warnings about a valid but short max_age (RFC 8461 §3.2: 'weeks or greater')."""
    if max_age < ONE_DAY:
        return [
            warning(
                "policy-max-age-short",
                f"max_age is {max_age} s ({describe_duration(max_age)}). That is fine for a first "
                "test, but senders refetch very often and an attacker who blocks the refetch "
                "removes the protection quickly. Raise it to at least 86400 (1 day), and to weeks "
                "once enforcing.",
            )
        ]
    if mode == "enforce" and max_age < ONE_WEEK:
        return [
            info(
                "policy-max-age-short",
                f"max_age is {describe_duration(max_age)} in enforce mode; RFC 8461 expects weeks "
                "or more. Raise it step by step (1 week, then 30 days, then up to 1 year).",
            )
        ]
    return []


def describe_duration(seconds: int) -> str:
    """``604800`` → ``1 week``, ``90061`` → ``1 day 1 hour``: the two largest units, for people."""
    if seconds == 0:
        return "0 seconds"
    # Weeks only when exact: 2592000 reads better as "30 days" than "4 weeks 2 days".
    week = ONE_WEEK if seconds % ONE_WEEK == 0 else MAX_AGE_LIMIT * 2
    units = (
        ("year", MAX_AGE_LIMIT),
        ("week", week),
        ("day", ONE_DAY),
        ("hour", 3600),
        ("minute", 60),
        ("second", 1),
    )
    parts: list[str] = []
    rest = seconds
    for name, size in units:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def render_policy(policy: Policy) -> str:
    """The policy file as senders expect it: one key per line, CRLF line endings."""
    return _render(policy.mode, policy.mx, policy.max_age, policy.extensions)


def _render(
    mode: str, mx: Sequence[str], max_age: int, extensions: Sequence[tuple[str, str]]
) -> str:
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {pattern}" for pattern in mx]
    lines.append(f"max_age: {max_age}")
    lines += [f"{key}: {value}" for key, value in extensions]
    return "".join(line + "\r\n" for line in lines)


def _split_lines(text: str) -> tuple[list[str], str, list[Finding]]:
    findings: list[Finding] = []
    if text == "":
        return [], "none", findings
    raw_lines = text.split("\n")
    crlf = sum(1 for line in raw_lines[:-1] if line.endswith("\r"))
    lf = len(raw_lines) - 1 - crlf
    lines = [line[:-1] if line.endswith("\r") else line for line in raw_lines]
    if lines and lines[-1] == "":
        lines.pop()  # the terminator of the last line
    if any("\r" in line for line in lines):
        findings.append(
            error(
                "policy-syntax",
                "The policy contains a carriage return that is not part of a CRLF line ending "
                "(old Mac line endings?). Save it with CRLF or LF line endings.",
            )
        )
    if crlf and lf:
        endings = "mixed"
    elif crlf:
        endings = "crlf"
    elif lf:
        endings = "lf"
    else:
        endings = "none"
    if endings in ("lf", "mixed"):
        findings.append(
            info(
                "policy-line-endings",
                "The policy uses LF line endings. RFC 8461's grammar allows LF or CRLF (the "
                "prose says CRLF; erratum 6253), but some strict validators flag anything but "
                "CRLF. Serving CRLF avoids the question.",
            )
        )
    return lines, endings, findings


def _bad_line(number: int, line: str) -> Finding:
    shown = line if len(line) <= 60 else line[:59] + "…"
    key_part = line.split(":", 1)[0]
    if line[:1] in (" ", "\t"):
        why = "it starts with whitespace"
    elif ":" not in line:
        why = "it has no ':'"
    elif key_part != key_part.rstrip(" \t"):
        why = "there is a space before the ':'"
    else:
        why = "its key is not letters, digits, '_', '-' or '.' (at most 32 characters)"
    return error(
        "policy-syntax",
        f"Line {number} {quoted(shown)} is not a 'key: value' line ({why}); senders reject "
        "the whole policy. Fix or delete it.",
        subject=f"line {number}",
    )


def _blank_lines(numbers: Sequence[int]) -> Finding:
    shown = ", ".join(str(n) for n in numbers[:5]) + (" …" if len(numbers) > 5 else "")
    return error(
        "policy-syntax",
        f"Line(s) {shown} are empty or hold only blanks. RFC 8461's grammar has no empty lines "
        f"(an empty line after the last line break counts too), and {who(TLSPOL, MOX, GO_MTASTS)} "
        "reject the whole policy. Delete them.",
        subject=f"line {numbers[0]}",
    )


def _repeated_field(number: int, key: str, kept: str, value: str) -> Finding:
    """RFC 8461 §3.2 keeps the first; two widely used senders keep the last."""
    if value == kept or key not in _KNOWN_KEYS:
        return warning(
            "policy-duplicate-field",
            f"Line {number} repeats {quoted(key)}; senders use one value and ignore the other. "
            "Delete the repeated line.",
            subject=f"line {number}",
        )
    return error(
        "policy-duplicate-field",
        f"Line {number} repeats {quoted(key)} with a different value ({quoted(kept)}, then "
        f"{quoted(value)}). The RFC, {TLSPOL} and {MOX} use the first, but "
        f"{who(POSTFIX_RESOLVER, GO_MTASTS)} use the last (and {MOX} rejects the policy when "
        f"the repeat is not a valid {key}), so senders apply different policies. Keep one line.",
        subject=f"line {number}",
    )


def _extension_findings(number: int, key: str, value: str) -> list[Finding]:
    """An unknown key: a mistyped known key, or an extension the RFC says senders ignore."""
    hint = _case_hint(key)
    if hint:
        return [
            error(
                "policy-syntax",
                f"Line {number}: {quoted(key)} is not {quoted(hint)}. Keys are case-sensitive "
                "and every sender ignores an unknown key, so this line does nothing. "
                f"Write {quoted(hint)}.",
                subject=f"line {number}",
            )
        ]
    if value == "":
        return [
            error(
                "policy-syntax",
                f"Line {number}: {quoted(key)} has an empty value. The RFC grammar needs at "
                f"least one character, and {who(TLSPOL, MOX)} reject the policy. Give it a value "
                "or delete the line.",
                subject=f"line {number}",
            )
        ]
    findings: list[Finding] = []
    if ":" in value:
        findings.append(
            warning(
                "policy-compat",
                f"Line {number}: the value of {quoted(key)} holds a ':'. RFC 8461 allows it, but "
                f"{GO_MTASTS} splits each line at every ':' and rejects the policy. Remove the "
                "':' or the line.",
                subject=f"line {number}",
            )
        )
    if _C1_RE.search(value):
        findings.append(
            warning(
                "policy-compat",
                f"Line {number}: the value of {quoted(key)} holds a Unicode control or line "
                f"separator. RFC 8461 allows it, but {TLSPOL} rejects the policy and "
                f"{POSTFIX_RESOLVER} breaks the line there. Remove it.",
                subject=f"line {number}",
            )
        )
    return findings


def _case_hint(key: str) -> str | None:
    folded = key.lower().replace("-", "_")
    for known in _KNOWN_KEYS:
        if folded == known and key != known:
            return known
    return None


def max_age_seconds(text: str) -> int | None:
    """``text`` as max_age seconds when it is the RFC's 1 to 10 ASCII digits, else None.

    One syntax rule for the parser, the editor and ``export``; the bounds are ``max_age_problem``.
    """
    return int(text) if _MAX_AGE_RE.fullmatch(text) else None


def _parse_max_age(text: str) -> tuple[int | None, str | None]:
    value = max_age_seconds(text)
    if value is None:
        return None, (
            f"max_age {quoted(text)} is not a whole number of seconds (1 to 10 ASCII digits, "
            "no sign, unit or decimal point), e.g. 86400 for one day."
        )
    problem = max_age_problem(value)
    if problem:
        return value, (
            f"{problem}; {POSTFIX_RESOLVER} rejects the policy and {TLSPOL} cuts it to the "
            "limit. Use at most 31557600."
        )
    return value, None


def policy_from_fields(
    mode: str, mx: Sequence[str], max_age: int, extensions: Sequence[tuple[str, str]] = ()
) -> PolicyCheck:
    """Validate a policy built from form fields with exactly the parser's rules.

    A line break inside a field would smuggle an extra line into the rendered file, so it is
    refused here before rendering.
    """
    for value in (mode, *mx):
        if "\n" in value or "\r" in value:
            return PolicyCheck(
                valid=False,
                policy=None,
                mode=mode,
                mx=tuple(mx),
                findings=(
                    error(
                        "policy-syntax",
                        f"{quoted(value)} holds a line break; each field is a single line.",
                    ),
                ),
            )
    # Rendered from the text as given: an unknown mode is the parser's to report.
    return parse_policy(_render(mode, mx, max_age, extensions))
