"""The headless commands, one module each: ``mtasts_tui.commands.<name>`` defines
``add_arguments(parser)`` and ``run(args, out, err) -> int`` (the exit code).

``cli`` only routes. ``COMMANDS`` is the index it routes by: each command's line in
``mtasts-tui --help`` is kept here so that help lists every command without importing any (``check``
alone pulls in the whole probe layer); a command's module is imported only when it runs or shows its
own help. ``reports serve`` has its own parser, in ``reports_serve``.
"""

COMMANDS: dict[str, str] = {
    "check": "inspect live domains (headless)",
    "history": "what changed, per domain",
    "watch": "check, record, and report only what changed",
    "lint": "check a policy or record offline",
    "export": "write the deploy bundle for a policy",
    "reports": "summarise TLS-RPT reports (RFC 8460)",
}
"""Command name (also its module's name) → its one line in ``mtasts-tui --help``, in that order."""
