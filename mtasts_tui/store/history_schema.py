"""Check history tables (versions 1-99). Owned by the history/drift/watch work.

A daily check of a thousand domains must stay small when nothing changes, so a run is one short
row pointing at a content-addressed result: the same result seen again adds only the run row.
Large parts (the policy body, raw TXT values, the MX probe list, the findings) are blobs stored
once per distinct content, so one changed banner does not copy the policy body again.
"""

from __future__ import annotations

from mtasts_tui.store.db import Migration

MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "check history",
        """
CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
-- Content-addressed parts of results, stored once: policy bodies, TXT values, MX probes,
-- findings. body is zlib-compressed UTF-8 JSON.
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    body BLOB NOT NULL
) WITHOUT ROWID;
-- One row per distinct result of a domain; data is the result with its parts replaced by
-- {"$blob": hash} references (zlib-compressed JSON). The columns are for queries.
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    domain_id INTEGER NOT NULL REFERENCES domains (id),
    failed INTEGER NOT NULL,
    enforce_ready INTEGER,
    verdict TEXT,
    sts_id TEXT,
    mode TEXT,
    max_age INTEGER,
    policy_hash TEXT REFERENCES blobs (hash),
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL,
    data BLOB NOT NULL
);
-- What each MX address answered in a result (probe results; certificates by fingerprint).
CREATE TABLE addresses (
    result_id INTEGER NOT NULL REFERENCES results (id),
    host TEXT NOT NULL,
    address TEXT NOT NULL,
    family TEXT,
    reachable INTEGER,
    starttls INTEGER,
    tls_version TEXT,
    cipher TEXT,
    cert_valid INTEGER,
    cert_sha256 TEXT REFERENCES certificates (sha256),
    error TEXT,
    PRIMARY KEY (result_id, host, address)
) WITHOUT ROWID;
-- sha256 is the certificate's fingerprint; without one (older checks) it is "names:" + a hash
-- of the names and expiry, so the same certificate is still stored once.
CREATE TABLE certificates (
    sha256 TEXT PRIMARY KEY,
    names TEXT NOT NULL,
    not_after TEXT
) WITHOUT ROWID;
-- Each check: when, which result, how long it took. The only row a repeat result adds.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domains (id),
    checked_at INTEGER NOT NULL,
    result_id INTEGER NOT NULL REFERENCES results (id),
    elapsed REAL
);
CREATE INDEX runs_by_domain ON runs (domain_id, checked_at);
""",
    ),
]
