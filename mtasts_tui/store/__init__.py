"""The history store: one SQLite database shared by check history, drift and TLS-RPT reports."""
