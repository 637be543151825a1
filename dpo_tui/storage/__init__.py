"""SQLite storage through sqlite-utils: opening, migrations, repositories, history, backups."""
