"""python -m qunguard.model.normalize: rewrite the prebuilt tables (tables.py) from the installed libraries.

Importing the package first reads the old file: if it is stale, its warnings are the reason for this run.
"""
import sys

from .tables import TABLES_FILE, source_versions, write

write()
print(f"wrote {TABLES_FILE} ({TABLES_FILE.stat().st_size:,} bytes) from {source_versions()}", file=sys.stderr)
