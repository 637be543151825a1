"""Everything that imports textual."""
