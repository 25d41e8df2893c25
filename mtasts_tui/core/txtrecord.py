"""What the `_mta-sts` and `_smtp._tls` TXT records share: strings, version prefix, fields.

Both RFC 8461 §3.1 and RFC 8460 §3 say: discard the records that do not begin with the version
tag, exactly one must remain, and the strings of that one record are concatenated without spaces.
Separate records are never joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TxtRecord = str | bytes | Sequence[str | bytes]
"""One TXT record as DNS returns it: a single string, or the list of its character-strings."""

_EXT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}\Z")
_EXT_VALUE_RE = re.compile(r"^[\x21-\x3a\x3c\x3e-\x7e]+\Z")
_WSP = " \t"


def join_record(record: TxtRecord) -> str:
    """Concatenate the character-strings of one TXT record without adding spaces.

    Bytes that are not UTF-8 are kept visible as U+FFFD rather than raising: the caller's
    syntax rules reject them anyway.
    """
    if isinstance(record, str):
        return record
    if isinstance(record, bytes):
        return record.decode("utf-8", errors="replace")
    return "".join(
        part.decode("utf-8", errors="replace") if isinstance(part, bytes) else part
        for part in record
    )


def starts_with_version(record: str, version: str) -> bool:
    """Does the record begin with ``version`` followed by the field delimiter?

    The ABNF delimiter is ``*WSP ";" *WSP`` (RFC 8461 erratum 6285), so ``v=STSv1 ;`` counts.
    A record that is just the version (no ``;`` at all) is discarded like any other record.
    """
    if not record.startswith(version):
        return False
    rest = record[len(version) :].lstrip(_WSP)
    return rest.startswith(";")


def strictly_prefixed(record: str, version: str) -> bool:
    """The literal ``v=...;`` prefix that some senders test for instead of the ABNF."""
    return record.startswith(version + ";")


def looks_like(record: str, version: str) -> bool:
    """A near miss worth telling about: the version tag with odd case, spacing or no ``;``."""
    return record.lstrip(_WSP).lower().startswith(version.lower())


def discover(records: Sequence[TxtRecord], version: str) -> tuple[list[str], str | None]:
    """The discovery rule both RFCs share: (records that begin with ``version``, a near miss).

    Records are joined string by string; those that do not begin with the version are
    discarded. The near miss is the first discarded record that looks meant to be one, so the
    caller can say what is wrong with it instead of only "missing".
    """
    joined = [join_record(r) for r in records]
    candidates = [r for r in joined if starts_with_version(r, version)]
    near = None if candidates else next((r for r in joined if looks_like(r, version)), None)
    return candidates, near


@dataclass(frozen=True, slots=True)
class FieldParse:
    fields: tuple[tuple[str, str], ...]
    """The tag=value fields after the version, in record order."""
    problems: tuple[str, ...]
    """Why the record does not match the ABNF, in plain words; empty when it does."""


def parse_fields(
    record: str,
    version: str,
    *,
    value_checked: frozenset[str],
    strict_parsers: str = "strict parsers",
) -> FieldParse:
    """Split ``version; name=value; ...`` into fields, collecting syntax problems.

    The grammar is followed character by character, as the strictest senders do: blanks are
    allowed only around a ``;`` (the ABNF ``*WSP ";" *WSP``), so blanks after the last field
    with no ``;`` after them are outside the grammar. Names in ``value_checked`` have their own
    value grammar (checked by the caller); all other values must match the extension value
    grammar shared by both RFCs. ``strict_parsers`` names who rejects, for the messages.
    """
    problems: list[str] = []
    if not record.isascii():
        problems.append("the record holds non-ASCII characters; TXT records must be US-ASCII")
    parts = record.split(";")
    if parts[0].rstrip(_WSP) != version:
        problems.append(f"the record must begin with exactly {version!r}")
    body = parts[1:]
    # One final ";" (with blanks after it) is the optional trailing delimiter of the ABNF.
    closed = bool(body) and body[-1].strip(_WSP) == ""
    if closed:
        body = body[:-1]
    if not body:
        problems.append("the record has no fields after the version")
    fields: list[tuple[str, str]] = []
    for index, raw in enumerate(body):
        piece = raw.lstrip(_WSP)
        stripped = piece.rstrip(_WSP)
        if stripped != piece and index == len(body) - 1 and not closed:
            problems.append(
                "it ends with blanks after the last field and no ';' after them, which the RFC "
                f"grammar does not allow ({strict_parsers} reject the record); delete the "
                "trailing blanks"
            )
        piece = stripped
        if piece == "":
            problems.append(
                f"the record has an empty field (two ';' in a row), which {strict_parsers} "
                "reject; delete one ';'"
            )
            continue
        name, sep, value = piece.partition("=")
        if not sep:
            problems.append(f"{_clip(piece)!r} is not of the form name=value")
            continue
        if not _EXT_NAME_RE.match(name):
            problems.append(
                f"{_clip(name)!r} is not a valid field name (letters, digits, '_', '-', '.'; "
                "no blanks around '=')"
            )
            continue
        if name not in value_checked and not _EXT_VALUE_RE.match(value):
            problems.append(
                f"the value of {name!r} is empty or holds a blank, '=', ';' or control character"
            )
            continue
        fields.append((name, value))
    return FieldParse(tuple(fields), tuple(problems))


def case_hint(fields: Sequence[tuple[str, str]], wanted: str) -> str:
    """`` (write 'id', not 'ID')`` when a field differs from ``wanted`` only by case."""
    for name, _value in fields:
        if name != wanted and name.lower() == wanted:
            return f" Field names are case-sensitive: write {wanted!r}, not {name!r}."
    return ""


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
