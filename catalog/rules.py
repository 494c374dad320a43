"""Pure rules of the catalogue: search text, time-limit cuts, bundle material merging, snapshot digests.

No database and no models here, so every rule can be tested exhaustively.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable

# Art. 26 of the Administrative Licensing Law: items handled jointly are decided within 45 working days,
# extendable once by 15.
JOINT_STATUTORY_LIMIT = 45
JOINT_EXTENSION_DAYS = 15

_SPACE = re.compile(r"\s+")
_KEYWORD_SPLIT = re.compile(r"[\s,，、;；/|]+")


def normalise(text: str) -> str:
    """The form both the stored search text and the query are compared in: NFKC (full-width Latin and
    digits become half-width), case-folded, without whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def search_terms(query: str) -> list[str]:
    """A query split on spaces and Chinese/ASCII separators into normalised terms (all must match)."""
    terms = [normalise(part) for part in _KEYWORD_SPLIT.split(query or "")]
    return [t for t in terms if t][:8]


def split_keywords(text: str) -> list[str]:
    return [part for part in (p.strip() for p in _KEYWORD_SPLIT.split(text or "")) if part]


def build_search_text(*parts: str | None) -> str:
    """One column holding everything the guide search looks in, separated by '|' so that a term never
    matches across two fields."""
    return "|".join(normalise(p) for p in parts if p)


def limit_cut_percent(statutory: int | None, promised: int | None) -> int | None:
    """How much shorter the promised limit is than the statutory one, in whole percent (rounded half up).

    None when there is no statutory limit to compare with. An instant item (promised 0) is a 100% cut.
    """
    if not statutory or promised is None or statutory <= 0:
        return None
    if promised >= statutory:
        return 0
    return int((statutory - promised) * 100 / statutory + 0.5)


def material_key(material: dict) -> str:
    """Two items ask for 'the same' material when their material codes match, or, without codes, their
    names do (ignoring spaces, width and brackets)."""
    code = (material.get("code") or "").strip()
    if code:
        return "code:" + code.casefold()
    name = normalise(material.get("name", ""))
    return "name:" + re.sub(r"[()（）【】\[\]《》\"“”]", "", name)


def merge_materials(items: Iterable[tuple[str, list[dict]]]) -> list[dict]:
    """One material list for a bundle: a material several items need is asked once.

    `items` is (item name, materials) pairs in bundle order; each material a dict with at least name,
    requirement, originals, copies, source, tolerable. The merged entry keeps the first item's wording,
    lists every item that needs it (`for_items`), is required when any item requires it, asks for the
    largest original/copy counts, is tolerable only when every item tolerates it, is obtained by data
    sharing only when every item obtains it so, and is proved by the licence registry when any item names the
    certificate that proves it (the same document proves it for all).
    """
    merged: dict[str, dict] = {}
    for item_name, materials in items:
        for material in materials:
            key = material_key(material)
            entry = merged.get(key)
            if entry is None:
                entry = dict(material)
                entry["for_items"] = [item_name]
                entry["conditions"] = [material["condition"]] if material.get("condition") else []
                merged[key] = entry
                continue
            if item_name not in entry["for_items"]:
                entry["for_items"].append(item_name)
            if material.get("requirement") == "required":
                entry["requirement"] = "required"
            if material.get("condition") and material["condition"] not in entry["conditions"]:
                entry["conditions"].append(material["condition"])
            entry["originals"] = max(entry.get("originals", 0), material.get("originals", 0))
            entry["copies"] = max(entry.get("copies", 0), material.get("copies", 0))
            entry["tolerable"] = bool(entry.get("tolerable")) and bool(material.get("tolerable"))
            if material.get("source") != "shared":
                entry["source"] = "applicant"
            if not entry.get("registry_certificate_name") and material.get("registry_certificate_name"):
                entry["registry_certificate_name"] = material["registry_certificate_name"]
    result = list(merged.values())
    for entry in result:
        if entry["requirement"] == "required":
            entry["conditions"] = []
        entry["condition"] = "；".join(entry.pop("conditions"))
    return result


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(data) -> str:
    """A stable fingerprint of a snapshot: equal content, equal digest."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
