"""Ledgers: append-only entries adding up to a balance on an account record (see docs/ledgers.md)."""
