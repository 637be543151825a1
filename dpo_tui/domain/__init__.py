"""The domain: records, vocabularies, validation, deadline rules and findings, in plain Python.

Never imports textual, sqlite_utils, weasyprint or jinja2.
"""
