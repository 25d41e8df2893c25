"""TLS-RPT report intake tables (versions 100-199). Owned by the report intake work.

``tlsrpt_reports`` keeps one row per report (the raw JSON, zlib-compressed, so nothing received is
lost); ``tlsrpt_policy_days`` and ``tlsrpt_failures`` are the aggregates the summary needs, one row
per report and policy and per failure detail, so a million reports summarise with two GROUP BY
queries instead of a million JSON parses. ``tlsrpt_imap_cursors`` remembers where each mailbox
was read to; ``tlsrpt_alerts`` which STS failure types have already been announced.
"""

from __future__ import annotations

from mtasts_tui.store.db import Migration

MIGRATIONS: list[Migration] = [
    Migration(
        100,
        "tlsrpt reports and their summary aggregates",
        """
        CREATE TABLE tlsrpt_reports (
            id INTEGER PRIMARY KEY,
            org_key TEXT NOT NULL,          -- organization-name, '' when missing
            report_id TEXT,                 -- NULL: the report cannot be de-duplicated
            day TEXT,                       -- UTC YYYY-MM-DD the range starts on (NULL: unknown)
            start_ts INTEGER,
            end_ts INTEGER,
            origin TEXT NOT NULL,           -- 'file', 'imap' or 'https'
            source TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            raw BLOB NOT NULL,              -- zlib-compressed report JSON as received
            UNIQUE (org_key, report_id)
        );
        CREATE TABLE tlsrpt_policy_days (
            report INTEGER NOT NULL REFERENCES tlsrpt_reports (id) ON DELETE CASCADE,
            domain TEXT NOT NULL,
            day TEXT,
            org TEXT NOT NULL,
            is_sts INTEGER NOT NULL,
            successful INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            first_of_report INTEGER NOT NULL,  -- 1 on one row per report: sum() counts reports
            first_of_domain INTEGER NOT NULL   -- 1 on one row per report and domain
        );
        -- Covering indexes: the summary's GROUP BY reads the index alone, in order.
        CREATE INDEX tlsrpt_policy_days_summary ON tlsrpt_policy_days
            (domain, day, is_sts, successful, failed, first_of_report, first_of_domain, org);
        CREATE INDEX tlsrpt_policy_days_report ON tlsrpt_policy_days (report);
        CREATE TABLE tlsrpt_failures (
            report INTEGER NOT NULL REFERENCES tlsrpt_reports (id) ON DELETE CASCADE,
            domain TEXT NOT NULL,
            day TEXT,
            is_sts INTEGER NOT NULL,
            result_type TEXT NOT NULL,
            mx TEXT NOT NULL,
            sessions INTEGER NOT NULL
        );
        CREATE INDEX tlsrpt_failures_summary ON tlsrpt_failures
            (domain, day, is_sts, result_type, mx, sessions);
        CREATE INDEX tlsrpt_failures_report ON tlsrpt_failures (report);
        CREATE TABLE tlsrpt_report_warnings (
            report INTEGER NOT NULL REFERENCES tlsrpt_reports (id) ON DELETE CASCADE,
            code TEXT NOT NULL,             -- a non-info parse warning of the report
            PRIMARY KEY (report, code)
        ) WITHOUT ROWID;
        CREATE TABLE tlsrpt_imap_cursors (
            mailbox TEXT PRIMARY KEY,       -- imaps://user@host:port/folder
            uidvalidity INTEGER NOT NULL,
            last_uid INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE tlsrpt_alerts (
            domain TEXT NOT NULL,
            result_type TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            PRIMARY KEY (domain, result_type)
        );
        """,
    ),
]
