"""The case study's facts and figures as typed records, each with its source.

The course is anchored on face recognition at West Bank crossings (D. Estrin,
NPR, 22 Aug 2019) and set beside other deployments and tests. Every record
paraphrases what a source reports and names that source, so that a lab can
quote a figure together with its citation instead of typing it into prose.

Records live in ``data/casestudy.json`` and fall into three groups:

- facts (``"F1"`` ... ``"F19"`` from the anchor article, ``"L1"`` ... ``"L4"``
  later developments, reference studies, consent and law, template protection);
- named figures (``"edid_holders"``, ``"nist_fnmr_visa_fmr1e-6"``, ...), each
  with a numeric ``value`` and ``unit``;
- perspectives (``"P1"`` ...), each viewpoint attributed to whoever holds it.

Examples
--------
>>> from biometrics_lab import casestudy
>>> casestudy.figure("edid_holders").value
450000
>>> casestudy.figure("edid_holders").unit
'people'
>>> casestudy.fact("F2").kind
'system'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real

from biometrics_lab._paths import data_dir

__all__ = ["Fact", "fact", "figure", "cite", "facts", "kinds"]

_FILE = "casestudy.json"
_SECTIONS = ("facts", "figures", "perspectives")


@dataclass(frozen=True)
class Fact:
    """One attributed fact or figure of the case study.

    Attributes
    ----------
    key : str
        Identifier, e.g. ``"F4"``, ``"edid_holders"``, ``"gdpr-9-1"``, ``"P2"``.
    text : str
        The fact in the project's own words (a paraphrase, never a quotation).
    value : int, float or None
        The number, for named figures; None for facts without a single number.
    unit : str or None
        Unit of ``value`` (``"people"``, ``"fraction"``, ``"USD"``, ...).
    source : str
        Citation: publication, author where given, date. Several sources are
        joined with ``"; "``.
    url : str or None
        Where to read the source, when known.
    kind : str
        Category: ``"figure"``, ``"system"``, ``"law"``, ``"perspective"``, ...
        (see :func:`kinds`).
    refs : tuple of str
        Keys of related records (e.g. ``"F4"`` refers to its three figures).
    viewpoint : str or None
        For perspectives: whose viewpoint the record reports.
    """

    key: str
    text: str
    value: int | float | None
    unit: str | None
    source: str
    url: str | None = None
    kind: str = ""
    refs: tuple[str, ...] = ()
    viewpoint: str | None = None

    def cite(self) -> str:
        """Return ``"text (source)"``, ready to put in a notebook."""
        return f"{self.text} ({self.source})"


def _build(record: dict, sources: dict) -> Fact:
    key = record.get("key")
    if not isinstance(key, str) or not key:
        raise ValueError(f"{_FILE}: a record has no key: {record!r}")
    ids = record.get("source")
    if isinstance(ids, str):
        ids = [ids]
    if not ids:
        raise ValueError(f"{_FILE}: record {key!r} has no source.")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise ValueError(f"{_FILE}: record {key!r} cites unknown source(s) {unknown}; "
                         f"known sources: {sorted(sources)}.")
    value = record.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
        raise ValueError(f"{_FILE}: record {key!r} has a non-numeric value {value!r}.")
    url = record.get("url") or next((sources[i].get("url") for i in ids if sources[i].get("url")), None)
    return Fact(
        key=key,
        text=record["text"],
        value=value,
        unit=record.get("unit"),
        source="; ".join(sources[i]["citation"] for i in ids),
        url=url,
        kind=record.get("kind", ""),
        refs=tuple(record.get("refs", ())),
        viewpoint=record.get("viewpoint"),
    )


@lru_cache(maxsize=1)
def _records() -> tuple[dict[str, Fact], frozenset[str]]:
    """Load every record once: (all records by key, keys of named figures)."""
    with open(data_dir() / _FILE, encoding="utf-8") as fh:
        raw = json.load(fh)
    sources = raw["sources"]
    by_key: dict[str, Fact] = {}
    figure_keys = set()
    for section in _SECTIONS:
        for record in raw.get(section, []):
            item = _build(record, sources)
            if item.key in by_key:
                raise ValueError(f"{_FILE}: duplicate key {item.key!r}.")
            by_key[item.key] = item
            if section == "figures":
                if item.value is None:
                    raise ValueError(f"{_FILE}: figure {item.key!r} has no value.")
                figure_keys.add(item.key)
    return by_key, frozenset(figure_keys)


def fact(key: str) -> Fact:
    """Return the record with this key (a fact, a figure or a perspective).

    Parameters
    ----------
    key : str
        E.g. ``"F4"``, ``"L1"``, ``"gdpr-9-1"``, ``"P1"`` or a figure name.

    Returns
    -------
    Fact

    Raises
    ------
    KeyError
        If no record has this key; the message lists the valid keys.

    Examples
    --------
    >>> fact("F5").refs
    ('daily_crossers',)
    """
    by_key, _ = _records()
    try:
        return by_key[key]
    except (KeyError, TypeError):
        raise KeyError(f"no case-study record {key!r}; valid keys: {', '.join(by_key)}") from None


def figure(name: str) -> Fact:
    """Return a named numeric figure, with its value, unit and source.

    Parameters
    ----------
    name : str
        E.g. ``"edid_holders"`` (450,000 people, F4), ``"daily_crossers"``,
        ``"nist_fnmr_border_fmr1e-6"``, ``"swp_alerts"``, ``"npl_fpir"``.

    Returns
    -------
    Fact
        A record whose ``value`` is a number.

    Raises
    ------
    KeyError
        If ``name`` is not a named figure; the message lists the valid names
        (and, for a fact such as ``"F4"``, the figures it refers to).

    Examples
    --------
    >>> f = figure("westbank_population")
    >>> f.value, f.unit
    (2700000, 'people')
    >>> figure("swp_false_alerts").value / figure("swp_alerts").value < 1
    True
    """
    by_key, figure_keys = _records()
    if name in figure_keys:
        return by_key[name]
    hint = ""
    if isinstance(name, str) and name in by_key and by_key[name].refs:
        related = [r for r in by_key[name].refs if r in figure_keys]
        if related:
            hint = f"{name!r} is a fact; its figures are {', '.join(related)}. "
    raise KeyError(f"no case-study figure {name!r}. {hint}Valid figure names: {', '.join(sorted(figure_keys))}")


def cite(key: str) -> str:
    """Return a record as ``"paraphrase (source)"``.

    Examples
    --------
    >>> cite("F5").endswith("(D. Estrin, NPR, 22 Aug 2019)")
    True
    """
    return fact(key).cite()


def kinds() -> list[str]:
    """Return the record kinds, in order of first appearance."""
    by_key, _ = _records()
    return list(dict.fromkeys(f.kind for f in by_key.values()))


def facts(kind: str | None = None) -> tuple[Fact, ...]:
    """Return all records, or those of one kind, in file order.

    Parameters
    ----------
    kind : str, optional
        E.g. ``"figure"``, ``"law"``, ``"perspective"``, ``"later development"``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :func:`kinds`; the message lists them.

    Examples
    --------
    >>> [f.key for f in facts("perspective")][:3]
    ['F16', 'P1', 'P2']
    """
    by_key, _ = _records()
    if kind is None:
        return tuple(by_key.values())
    valid = kinds()
    if kind not in valid:
        raise ValueError(f"kind must be one of {valid} or None; got {kind!r}.")
    return tuple(f for f in by_key.values() if f.kind == kind)
