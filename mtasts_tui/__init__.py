"""mtasts-tui: inspect, draft, export and roll out MTA-STS and TLS-RPT for a mail domain."""

__version__ = "0.1.0"
