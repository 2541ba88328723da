"""Per-equation summary of the general-k verification, for the JSON report.

For each equation of the subject: is every claim of it verified for symbolic k
("symbolic k"), verified for symbolic k with a claim resting on a lemma ("by lemma"),
or only for concrete k ("concrete k only": some claim has no general form, or its
general form was not verified)?  Restatements, checked against the printed text, are listed apart.  An acknowledged erratum counts as settled when its
corrected general form is verified.
"""
from __future__ import annotations


def verdict_text(record: dict) -> str:
    """The verdict as the report prints it: never a plain "verified" for a claim resting on a lemma."""
    if record.get("verdict") == "verified" and record.get("lemma"):
        return f"verified (by lemma: {record['lemma']})"
    return record.get("verdict", "")


def _settled(record: dict) -> bool:
    if record["verdict"] == "verified":
        return True
    corr = record.get("correction")
    return bool(record["verdict"] == "refuted" and record.get("erratum") and corr and corr["verdict"] == "verified")


def by_equation(records: list[dict]) -> dict:
    general = {r["id"]: r for r in records if r.get("k") == "symbolic"}
    out: dict[str, dict] = {}
    for r in records:
        if r.get("k") == "symbolic" or r.get("rule") == "rewrite":   # rewrites to generated code: not the note's
            continue
        eq = out.setdefault(r["equation"], {"status": "", "symbolic_k": [], "by_lemma": [], "concrete_only": [],
                                            "restatements": []})
        if r.get("kind") == "restatement":   # checked against the printed text: not a step of the derivation
            eq["restatements"].append(r["id"])
            continue
        g = general.get(r["id"] + ".general")
        if g is None or not _settled(g):
            eq["concrete_only"].append(r["id"])
        elif g.get("lemma"):
            eq["by_lemma"].append(r["id"])
        else:
            eq["symbolic_k"].append(r["id"])
    for r in general.values():   # general-only claims (e.g. eq. (6), decided for symbolic a, z)
        if not r["id"].endswith(".general"):
            eq = out.setdefault(r["equation"], {"status": "", "symbolic_k": [], "by_lemma": [], "concrete_only": [],
                                                "restatements": []})
            (eq["symbolic_k"] if _settled(r) and not r.get("lemma") else
             eq["by_lemma"] if _settled(r) else eq["concrete_only"]).append(r["id"])
    for eq in out.values():
        eq["status"] = ("concrete k only" if eq["concrete_only"] and not (eq["symbolic_k"] or eq["by_lemma"])
                        else "partly symbolic k" if eq["concrete_only"]
                        else "by lemma" if eq["by_lemma"] else "symbolic k" if eq["symbolic_k"]
                        else "restatements only")
    return out
