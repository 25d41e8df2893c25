"""Sample TLS-RPT reports for the tests, all built from RFC 8460 Appendix B."""

from __future__ import annotations

import copy
import gzip
import json
from email.message import EmailMessage
from typing import Any

# RFC 8460 Appendix B (§4.4 schema), verbatim apart from the wrapped additional-information URI.
RFC_EXAMPLE: dict[str, Any] = {
    "organization-name": "Company-X",
    "date-range": {
        "start-datetime": "2016-04-01T00:00:00Z",
        "end-datetime": "2016-04-01T23:59:59Z",
    },
    "contact-info": "sts-reporting@company-x.example",
    "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
    "policies": [
        {
            "policy": {
                "policy-type": "sts",
                "policy-string": [
                    "version: STSv1",
                    "mode: testing",
                    "mx: *.mail.company-y.example",
                    "max_age: 86400",
                ],
                "policy-domain": "company-y.example",
                "mx-host": "*.mail.company-y.example",
            },
            "summary": {
                "total-successful-session-count": 5326,
                "total-failure-session-count": 303,
            },
            "failure-details": [
                {
                    "result-type": "certificate-expired",
                    "sending-mta-ip": "2001:db8:abcd:0012::1",
                    "receiving-mx-hostname": "mx1.mail.company-y.example",
                    "failed-session-count": 100,
                },
                {
                    "result-type": "starttls-not-supported",
                    "sending-mta-ip": "2001:db8:abcd:0013::1",
                    "receiving-mx-hostname": "mx2.mail.company-y.example",
                    "receiving-ip": "203.0.113.56",
                    "failed-session-count": 200,
                    "additional-information": "https://reports.company-x.example/report_info",
                },
                {
                    "result-type": "validation-failure",
                    "sending-mta-ip": "198.51.100.62",
                    "receiving-ip": "203.0.113.58",
                    "receiving-mx-hostname": "mx-backup.mail.company-y.example",
                    "failed-session-count": 3,
                    "failure-reason-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED",
                },
            ],
        }
    ],
}


def clean_report(
    *,
    domain: str = "company-y.example",
    org: str = "Company-X",
    report_id: str = "clean-1",
    day: str = "2016-04-02",
    successful: int = 1000,
) -> dict[str, Any]:
    """The RFC example, with every session successful."""
    r = copy.deepcopy(RFC_EXAMPLE)
    r["organization-name"] = org
    r["report-id"] = report_id
    r["date-range"] = {
        "start-datetime": f"{day}T00:00:00Z",
        "end-datetime": f"{day}T23:59:59Z",
    }
    pol = r["policies"][0]
    pol["policy"]["policy-domain"] = domain
    pol["summary"] = {
        "total-successful-session-count": successful,
        "total-failure-session-count": 0,
    }
    del pol["failure-details"]
    return r


def rfc_report() -> dict[str, Any]:
    return copy.deepcopy(RFC_EXAMPLE)


def gz(doc: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


def report_email(
    doc: dict[str, Any], *, filename: str = "sndr!company-y.example!1!2.json.gz"
) -> bytes:
    """An RFC 8460 §5.3 report e-mail: multipart/report with an application/tlsrpt+gzip part."""
    msg = EmailMessage()
    msg["From"] = "tlsrpt@mail.sender.example.com"
    msg["To"] = "tlsrpt@company-y.example"
    msg["Subject"] = "Report Domain: company-y.example Submitter: mail.sender.example.com"
    msg["TLS-Report-Domain"] = "company-y.example"
    msg["TLS-Report-Submitter"] = "mail.sender.example.com"
    msg.set_content("This is an aggregate TLS report from mail.sender.example.com")
    msg.add_attachment(gz(doc), maintype="application", subtype="tlsrpt+gzip", filename=filename)
    msg.replace_header(
        "Content-Type", f'multipart/report; report-type="tlsrpt"; boundary="{msg.get_boundary()}"'
    )
    return msg.as_bytes()
