"""Use cases shared by the CLI and the TUI: one function per thing a user does.

Every function takes a `Workspace` (the open database, the clock and who is acting), so the
clock and paths are injected and tests can fix them.
"""
