"""Generated report mail for the intake tests: reports from several organisations as gzip, zip
and plain JSON attachments, duplicates, spam and broken mail, written straight into a Maildir."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ORGS = ("Google Inc.", "Microsoft Corporation", "Yahoo", "Comcast")
DOMAINS = ("example.net", "example.org")
FIRST_DAY = datetime(2026, 10, 1, tzinfo=UTC)


def report(n: int) -> dict[str, Any]:
    """Report number ``n``: organisation, domain, day and counts all follow from ``n``."""
    org = ORGS[n % len(ORGS)]
    domain = DOMAINS[(n // len(ORGS)) % len(DOMAINS)]
    start = FIRST_DAY + timedelta(days=n % 30)
    details = []
    failed = 0
    if n % 10 == 3:
        failed = 2
        details.append(
            {
                "result-type": "certificate-expired",
                "receiving-mx-hostname": f"mx2.{domain}",
                "failed-session-count": 2,
            }
        )
    return {
        "organization-name": org,
        "date-range": {
            "start-datetime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end-datetime": (start + timedelta(seconds=86399)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "contact-info": "tlsrpt@" + org.split()[0].lower() + ".example",
        "report-id": f"{org.split()[0].lower()}-{n:05d}",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing", f"mx: mx1.{domain}"],
                    "policy-domain": domain,
                    "mx-host": [f"mx1.{domain}"],
                },
                "summary": {
                    "total-successful-session-count": 10 + n % 7,
                    "total-failure-session-count": failed,
                },
                "failure-details": details,
            }
        ],
    }


def report_mail(n: int, kind: str) -> bytes:
    """An RFC 8460 §5.3 report mail carrying report ``n`` as ``gz``, ``zip`` or ``json``."""
    body = report(n)
    domain = body["policies"][0]["policy"]["policy-domain"]
    data = json.dumps(body).encode()
    name = f"{body['organization-name'].split()[0].lower()}!{domain}!1!2!{n}.json"
    msg = EmailMessage()
    msg["From"] = "noreply-smtp-tls-reporting@" + body["contact-info"].split("@")[1]
    msg["To"] = "tlsrpt@" + domain
    msg["Subject"] = f"Report Domain: {domain} Submitter: {body['organization-name']} Id: {n}"
    msg["TLS-Report-Domain"] = domain
    msg["TLS-Report-Submitter"] = body["organization-name"]
    msg.set_content("This is an aggregate TLS report.")
    if kind == "gz":
        msg.add_attachment(gzip.compress(data), "application", "tlsrpt+gzip", filename=name + ".gz")
    elif kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, data)
        msg.add_attachment(buf.getvalue(), "application", "zip", filename=name + ".zip")
    else:
        msg.add_attachment(data, "application", "tlsrpt+json", filename=name)
    return bytes(msg)


def spam_mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "offers@spam.example"
    msg["To"] = "tlsrpt@example.net"
    msg["Subject"] = f"You have won ({n})"
    msg.set_content("Click here.")
    return bytes(msg)


def broken_mail(n: int) -> bytes:
    """A mail that looks like a report but is not readable, in four different ways."""
    msg = EmailMessage()
    msg["From"] = "broken@reports.example"
    msg["Subject"] = f"Broken report {n}"
    msg.set_content("See attachment.")
    way = n % 4
    if way == 0:
        msg.add_attachment(b"{not json", "application", "tlsrpt+json", filename="r.json")
    elif way == 1:
        truncated = gzip.compress(json.dumps(report(0)).encode())[:20]
        msg.add_attachment(truncated, "application", "tlsrpt+gzip", filename="r.json.gz")
    elif way == 2:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("readme.txt", "no report here")
        msg.add_attachment(buf.getvalue(), "application", "zip", filename="r.zip")
    else:
        msg.add_attachment(b"[1, 2, 3]", "application", "tlsrpt+json", filename="r.json")
    return bytes(msg)


@dataclass(frozen=True)
class Mailbox:
    """What was written, so tests can say exactly what intake must find."""

    messages: int
    reports: int
    """Distinct reports."""
    duplicates: int
    """Report mails re-sending a report already in the mailbox."""
    skipped: int
    """Spam and broken mails (one note each)."""


def write_mailbox(
    maildir: Path, *, reports: int, duplicates: int, spam: int, broken: int
) -> Mailbox:
    """Fill ``maildir`` (cur/new/tmp exist) with the given mix, interleaved like a real inbox."""
    mails: list[bytes] = []
    kinds = ("gz", "zip", "json")
    for n in range(reports):
        mails.append(report_mail(n, kinds[n % 3]))
    for n in range(duplicates):
        mails.insert((n * 37) % len(mails) + 1, report_mail(n, kinds[(n + 1) % 3]))
    for n in range(spam):
        mails.insert((n * 53) % len(mails), spam_mail(n))
    for n in range(broken):
        mails.insert((n * 71) % len(mails), broken_mail(n))
    for i, data in enumerate(mails):
        (maildir / "cur" / f"{1_700_000_000 + i}.M{i}P1.test,S={len(data)}:2,").write_bytes(data)
    return Mailbox(len(mails), reports, duplicates, spam + broken)
