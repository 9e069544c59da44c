"""A read-only connection that can read the warehouse and nothing else: for users' own SQL (`newsflow query`).

`read_only` keeps the warehouse file's tables safe, not the machine: without these settings a
query can `COPY ... TO` any file (the warehouse file itself included), read any file
(`read_text`, `read_csv`, `glob`), attach other databases, or install extensions from the network.
"""

from __future__ import annotations

import duckdb

# Order matters: the full-text-search extension is loaded before external access goes off,
# and the configuration is locked last so a query cannot turn any of it back on.
_SANDBOX = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET allow_community_extensions = false",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def sandbox(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Shut a connection off from files, the network and extension installs; return it."""
    for statement in _SANDBOX:
        con.execute(statement)
    return con


def refused(exc: Exception) -> bool:
    """Whether a query failed because the sandbox refused it (not because of an SQL error)."""
    return isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in str(exc)
