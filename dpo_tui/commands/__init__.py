"""CLI commands, one module per area; each has add_parsers(sub) and run functions."""
