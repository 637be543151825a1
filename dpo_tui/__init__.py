"""dpo-tui: data protection records for small businesses. Importing this has no side effects."""

__version__ = "0.1.0"
