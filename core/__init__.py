"""Bloomtune core: every rule, query and permission check of the console lives here.

The dashboard (`dashboard/`) and the collector (`api/`) only parse input and render output.
"""
