"""Acknowledged errata: refuted claims the project knows about, keyed by the printed text.

An erratum is acknowledged only for the exact printed text it was written for
(its SHA-256), so an edited note never inherits an acknowledgement.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def text_hash(printed: str) -> str:
    return hashlib.sha256(printed.encode("utf-8")).hexdigest()


def load(path: Path) -> dict[str, dict]:
    """``{sha256 of printed text: entry}``; a missing file means no errata."""
    if not path.exists():
        return {}
    entries = json.loads(path.read_text())["errata"]
    return {e["printed_sha256"]: e for e in entries}


def acknowledged(errata: dict[str, dict], claim_id: str, printed: str) -> dict | None:
    entry = errata.get(text_hash(printed))
    # "also": further claims read from the same printed text (e.g. its general-k form)
    return entry if entry is not None and claim_id in (entry["claim"], *entry.get("also", ())) else None
