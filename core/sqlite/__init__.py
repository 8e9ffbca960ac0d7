"""The SQLite backend of the embedded mode: Django's, with one writer at a time per process queued in line."""
