"""Revisions, applied in order by db.migrate."""
