"""POST an alert as JSON, with a timeout per attempt and a bounded number of retries.

Shared by ``watch --webhook`` and ``reports --alert-webhook``. Retries only what can pass on a
second try (connection errors, timeouts, 5xx, 429); a 4xx is the receiver saying no, and is final.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from mtasts_tui.core.text import QUOTE_LIMIT, clip

WebhookFormat = Literal["generic", "slack"]


@dataclass(frozen=True, slots=True)
class WebhookResult:
    ok: bool
    attempts: int
    status: int | None
    """The last HTTP status received, if any."""
    error: str | None
    """Why the last attempt failed, in words."""


def slack_payload(title: str, lines: list[str]) -> dict[str, Any]:
    """Slack's incoming-webhook shape: one text block (mrkdwn off: remote text stays literal)."""
    text = title + ("\n" + "\n".join(lines) if lines else "")
    return {"text": text, "mrkdwn": False}


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 0.5,
    verify: Any = True,
) -> WebhookResult:
    """POST ``payload`` to ``url``; ``retries`` extra attempts with doubling backoff."""
    import httpx

    attempts = 0
    status: int | None = None
    error: str | None = None
    delay = backoff
    with httpx.Client(timeout=timeout, verify=verify, follow_redirects=False) as client:
        for attempt in range(retries + 1):
            attempts = attempt + 1
            try:
                response = client.post(url, json=payload)
            except httpx.HTTPError as exc:
                status, error = None, clip(f"{type(exc).__name__}: {exc}", QUOTE_LIMIT)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return WebhookResult(True, attempts, status, None)
                error = f"HTTP {status}"
                if status < 500 and status != 429:
                    break
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
    return WebhookResult(False, attempts, status, error)
