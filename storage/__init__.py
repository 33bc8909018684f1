"""SQLite storage: connection, versioned migrations and repositories. All SQL lives here."""
