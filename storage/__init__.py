"""Storage: a driver-neutral unit of work (db.py), its SQLite adapter (sqlite.py), versioned migrations
and repositories. All SQL lives here."""
