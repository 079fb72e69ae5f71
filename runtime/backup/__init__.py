"""Backups of one app: `tessera backup` writes a zip file (archive.py describes it), `tessera restore` reads it."""
