"""Partnership models (`indicators/models/<id>.yml`): dimensions, items, scale, ratings, claims.

A model is data, not code: adding a file adds a model. This module reads and checks one file
and turns a rating text into (base rating, qualifier, score) through the file's scale.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sceval.errors import InvalidDataError, ProjectError, UsageError
from sceval.partnership.measures import MEASURES
from sceval.project import Project, read_yaml

OPS = (">", ">=", "<", "<=", "==", "!=")
CONSENSUS_RULES = ("median", "mean", "adjudicated")
# Above this many parameter combinations the robustness analysis samples the grid.
MAX_COMBINATIONS = 20_000


@dataclass(frozen=True)
class Item:
    """One item of a model: the paper's wording, its citation, its weight in its dimension."""

    id: str
    dimension_id: str
    label: str
    wording: str
    citation: str
    weight: float
    data: tuple[dict[str, Any], ...] = ()
    data_combine: str = "min"


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Parameter:
    """A named value ratings map through; `alternatives` feed the robustness analysis."""

    name: str
    value: float
    alternatives: tuple[float, ...]

    @property
    def values(self) -> tuple[float, ...]:
        return (self.value, *[a for a in self.alternatives if a != self.value])


@dataclass(frozen=True)
class ParsedRating:
    """A rating text resolved through a model's scale."""

    text: str
    base: str
    qualifier: str | None
    qualifier_kind: str | None
    score_ref: float | str
    factor_ref: float | str
    indeterminate: bool


@dataclass(frozen=True)
class Term:
    case: str | None
    kind: str  # overall, dimension, item, items, value
    ref: Any = None


@dataclass(frozen=True)
class Claim:
    """One checkable statement: left op right, or an indeterminate rating."""

    kind: str  # compare, indeterminate
    left: Term | None = None
    op: str | None = None
    right: Term | None = None

    def cases(self) -> set[str]:
        return {t.case for t in (self.left, self.right) if t is not None and t.case is not None}


@dataclass(frozen=True)
class Conclusion:
    id: str
    quote: str
    claims: tuple[Claim, ...]


@dataclass
class Model:
    """A partnership model read from its file."""

    id: str
    title: str
    citation: str
    path: Path
    dimensions: tuple[Dimension, ...]
    parameters: dict[str, Parameter]
    order: tuple[tuple[float | str, ...], ...]
    levels: dict[str, dict[str, Any]]
    qualifiers: dict[str, dict[str, Any]]
    ratings: dict[str, dict[str, Any]]
    patterns: tuple[tuple[re.Pattern[str], str | None], ...]
    weights_alternatives: tuple[str, ...]
    min_coverage: float
    disagreement_threshold: float
    cases: dict[str, dict[str, Any]]
    conclusions: tuple[Conclusion, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    # Several raters of one item in one round: how their ratings become the model's score
    # (median, mean, or the adjudicator's rating; see partnership/agreement.py).
    consensus: str = "median"
    adjudicator: str = "adjudicated"

    @property
    def items(self) -> list[Item]:
        return [i for d in self.dimensions for i in d.items]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def case_label(self, case_id: str) -> str:
        return str((self.cases.get(case_id) or {}).get("label", case_id))

    def parse(self, text: str, *, case_id: str = "?", item_id: str = "?") -> ParsedRating:
        """Rating text -> base + qualifier through the scale; unknown text is an error."""
        found = self._lookup(text)
        if found is None:
            known = ", ".join(repr(k) for k in self.ratings)
            raise InvalidDataError(
                f"partnership_ratings: model {self.id}, case {case_id}, item {item_id}: rating "
                f"{text!r} is not on the model's scale ({self.path.name}); known ratings: {known}",
                exit_code=2,
            )
        return found

    def _lookup(self, text: str) -> ParsedRating | None:
        norm = " ".join(str(text).split())
        spec = self.ratings.get(norm)
        if spec is None:
            folded = {k.casefold(): v for k, v in self.ratings.items()}
            spec = folded.get(norm.casefold())
        if spec is not None:
            kind = spec.get("qualifier")
            qtext = spec.get("qualifier_text", norm) if kind else None
            return self._parsed(str(text), str(spec["base"]), qtext, kind)
        folded = {k.casefold(): v for k, v in self.ratings.items()}
        for regex, kind in self.patterns:
            m = regex.match(norm)
            if not m:
                continue
            word, qtext = m.group("base"), m.groupdict().get("qualifier")
            if word.casefold() in self.levels:
                return self._parsed(str(text), word.casefold(), qtext, kind if qtext else None)
            # A base that is itself a qualified rating ("Some, in training"): keep both parts.
            spec = folded.get(word.casefold())
            if spec is not None:
                both = f"{word}, {qtext}" if qtext else word
                return self._parsed(str(text), spec["base"], both, spec.get("qualifier") or kind)
        return None

    def _parsed(self, text: str, base: str, qtext: str | None, kind: str | None) -> ParsedRating:
        level = self.levels[base]
        factor: float | str = 1.0
        if kind is not None:
            factor = self.qualifiers[kind]["factor"]
        return ParsedRating(
            text=text,
            base=base,
            qualifier=qtext,
            qualifier_kind=kind,
            score_ref=level["score"],
            factor_ref=factor,
            indeterminate=bool(level.get("indeterminate", False)),
        )

    def mappings(self) -> list[dict[str, float]]:
        """Every reasonable mapping: parameter combinations that keep the order chains increasing.

        The first one is the model's own mapping. Past MAX_COMBINATIONS combinations, a fixed
        pseudo-random sample of them stands for the whole grid (same sample on every run).
        """
        names = list(self.parameters)
        grids = [self.parameters[n].values for n in names]
        total = math.prod(len(g) for g in grids)
        if total <= MAX_COMBINATIONS:
            combos = itertools.product(*grids)
        else:
            rng = random.Random(20171201)
            picks = [0, *sorted(rng.sample(range(1, total), MAX_COMBINATIONS - 1))]
            combos = (_decode(k, grids) for k in picks)
        out = []
        for combo in combos:
            values = dict(zip(names, combo, strict=True))
            if self._ordered(values):
                out.append(values)
        return out

    def _ordered(self, values: dict[str, float]) -> bool:
        for chain in self.order:
            nums = [resolve(ref, values) for ref in chain]
            if any(b <= a for a, b in itertools.pairwise(nums)):
                return False
        return True

    @property
    def default_mapping(self) -> dict[str, float]:
        return {n: p.value for n, p in self.parameters.items()}


def _decode(k: int, grids: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The k-th combination of the grids, in itertools.product order."""
    out = []
    for g in reversed(grids):
        k, r = divmod(k, len(g))
        out.append(g[r])
    return tuple(reversed(out))


def word(x: Any) -> str:
    """A YAML scalar as a rating word: YAML 1.1 reads bare yes/no as booleans."""
    if x is True:
        return "yes"
    if x is False:
        return "no"
    return str(x)


def number(x: Any) -> float:
    """A number from YAML: 0.5, 1, or an exact fraction written as a string ("1/3")."""
    if isinstance(x, bool):
        raise TypeError("a boolean is not a number")
    return float(Fraction(str(x).strip())) if isinstance(x, str) else float(x)


def resolve(ref: float | str, values: dict[str, float]) -> float:
    """A score or factor reference: a number, or a parameter's value in this mapping."""
    if isinstance(ref, str):
        return values[ref]
    return float(ref)


def model_files(project: Project) -> dict[str, Path]:
    """Model id -> file, for every `indicators/models/*.yml` of the project."""
    base = project.path("indicators", "models")
    if not base.is_dir():
        return {}
    return {p.stem: p for p in sorted(base.glob("*.y*ml"))}


def load_models(project: Project, selection: list[str] | str | None = None) -> list[Model]:
    """The project's models (all, or the selected ids; an unknown id is a usage error)."""
    files = model_files(project)
    if selection in (None, "all"):
        ids = list(files)
    else:
        ids = [selection] if isinstance(selection, str) else list(selection)
        unknown = [i for i in ids if i not in files]
        if unknown:
            raise UsageError(
                f"unknown partnership model {', '.join(unknown)!s}; available: "
                f"{', '.join(files) or 'none (add indicators/models/<id>.yml)'}"
            )
    return [load_model(files[i]) for i in ids]


def load_model(path: Path) -> Model:
    """Read and check one model file; every problem names the file and the field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ProjectError(
            f"{path}: a partnership model is a mapping with `id`, `scale`, `dimensions`"
        )
    where = str(path)
    model_id = str(data.get("id", path.stem))
    if model_id != path.stem:
        raise ProjectError(f"{where}: id {model_id!r} must match the file name {path.stem!r}")
    scale = _need(data, "scale", dict, where)
    params = _parameters(scale.get("parameters") or {}, where)
    levels = {
        word(k).casefold(): dict(v or {}) for k, v in _need(scale, "levels", dict, where).items()
    }
    for name, lv in levels.items():
        if "score" not in lv:
            raise ProjectError(f"{where}: scale.levels.{name} needs a `score`")
        lv["score"] = _ref(lv["score"], params, f"{where}: scale.levels.{name}.score")
    qualifiers = {str(k): dict(v or {}) for k, v in (scale.get("qualifiers") or {}).items()}
    for name, q in qualifiers.items():
        q["factor"] = _ref(q.get("factor", 1), params, f"{where}: scale.qualifiers.{name}.factor")
    ratings = {}
    for text, spec in (scale.get("ratings") or {}).items():
        spec = dict(spec) if isinstance(spec, dict) else {"base": spec}
        base = word(spec.get("base", "")).casefold()
        if base not in levels:
            raise ProjectError(f"{where}: scale.ratings[{text!r}] names unknown base {base!r}")
        if spec.get("qualifier") is not None and spec["qualifier"] not in qualifiers:
            raise ProjectError(
                f"{where}: scale.ratings[{text!r}] names unknown qualifier {spec['qualifier']!r}"
            )
        spec["base"] = base
        ratings[" ".join(word(text).split())] = spec
    patterns = []
    for i, p in enumerate(scale.get("patterns") or []):
        try:
            rx = re.compile(str(p["regex"]), re.IGNORECASE)
        except (KeyError, TypeError, re.error) as exc:
            raise ProjectError(f"{where}: scale.patterns[{i}]: not a valid regex ({exc})") from None
        if "base" not in rx.groupindex:
            raise ProjectError(f"{where}: scale.patterns[{i}] needs a named group (?P<base>...)")
        kind = p.get("qualifier")
        if kind is not None and kind not in qualifiers:
            raise ProjectError(f"{where}: scale.patterns[{i}] names unknown qualifier {kind!r}")
        patterns.append((rx, kind))
    order = []
    for chain in scale.get("order") or []:
        order.append(tuple(_ref(ref, params, f"{where}: scale.order") for ref in chain))
    dims = _dimensions(_need(data, "dimensions", list, where), where)
    robustness = data.get("robustness") or {}
    weights_alt = tuple(robustness.get("weights") or ["model", "equal"])
    if weights_alt[0] != "model" or set(weights_alt) - {"model", "equal"}:
        raise ProjectError(f"{where}: robustness.weights must start with 'model' (then 'equal')")
    conclusions = tuple(
        _conclusion(c, i, where, dims) for i, c in enumerate(data.get("conclusions") or [])
    )
    cons = data.get("consensus") or {}
    cons = {"rule": cons} if isinstance(cons, str) else cons
    if not isinstance(cons, dict) or cons.get("rule", "median") not in CONSENSUS_RULES:
        raise ProjectError(
            f"{where}: consensus must be one of {', '.join(CONSENSUS_RULES)} "
            "(or {rule: ..., adjudicator: NAME})"
        )
    model = Model(
        id=model_id,
        title=str(data.get("title", model_id)),
        citation=str(data.get("citation", "")).strip(),
        path=path,
        dimensions=dims,
        parameters=params,
        order=tuple(order),
        levels=levels,
        qualifiers=qualifiers,
        ratings=ratings,
        patterns=tuple(patterns),
        weights_alternatives=weights_alt,
        min_coverage=float(data.get("min_coverage", 0.5)),
        disagreement_threshold=float(data.get("disagreement_threshold", 0.34)),
        cases={str(k): dict(v or {}) for k, v in (data.get("cases") or {}).items()},
        conclusions=conclusions,
        raw=data,
        consensus=str(cons.get("rule", "median")),
        adjudicator=str(cons.get("adjudicator", "adjudicated")),
    )
    if not model._ordered(model.default_mapping):
        raise ProjectError(f"{where}: the parameters' own values break scale.order")
    for item in model.items:
        for rule in item.data:
            if rule.get("measure") not in MEASURES:
                raise ProjectError(
                    f"{where}: item {item.id}: data measure {rule.get('measure')!r} is unknown; "
                    f"known: {', '.join(MEASURES)}"
                )
            if not rule.get("bands"):
                raise ProjectError(f"{where}: item {item.id}: a data rule needs `bands`")
            for band in rule.get("bands") or []:
                model.parse(str(band.get("rating")), case_id="(data bands)", item_id=item.id)
    return model


def _need(data: dict, key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or not value:
        raise ProjectError(f"{where}: `{key}` is missing or not a {kind.__name__}")
    return value


def _parameters(raw: dict, where: str) -> dict[str, Parameter]:
    out = {}
    for name, spec in raw.items():
        spec = {"value": spec} if isinstance(spec, int | float | str) else dict(spec or {})
        try:
            value = number(spec["value"])
            alts = tuple(number(a) for a in spec.get("alternatives") or ())
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            raise ProjectError(
                f"{where}: scale.parameters.{name} needs a numeric `value` (and numeric `alternatives`)"
            ) from None
        out[str(name)] = Parameter(str(name), value, alts)
    return out


def _ref(ref: Any, params: dict[str, Parameter], where: str) -> float | str:
    """A score or factor reference checked: a parameter name, or a number (fractions allowed)."""
    if isinstance(ref, str) and ref in params:
        return ref
    try:
        return number(ref)
    except (TypeError, ValueError, ZeroDivisionError):
        raise ProjectError(
            f"{where}: expected a number or a parameter name of the scale, got {ref!r}"
        ) from None


def _dimensions(raw: list, where: str) -> tuple[Dimension, ...]:
    dims = []
    seen: set[str] = set()
    for i, d in enumerate(raw):
        if not isinstance(d, dict) or "id" not in d or not d.get("items"):
            raise ProjectError(f"{where}: dimensions[{i}] needs `id` and `items`")
        items = []
        for j, it in enumerate(d["items"]):
            if not isinstance(it, dict) or "id" not in it:
                raise ProjectError(f"{where}: dimensions[{i}].items[{j}] needs an `id`")
            if it["id"] in seen:
                raise ProjectError(f"{where}: item {it['id']!r} appears twice")
            seen.add(it["id"])
            data_rules = it.get("data") or []
            if isinstance(data_rules, dict):
                data_rules = [data_rules]
            items.append(
                Item(
                    id=str(it["id"]),
                    dimension_id=str(d["id"]),
                    label=str(it.get("label", it["id"])),
                    wording=str(it.get("wording", it.get("label", ""))),
                    citation=str(it.get("citation", "")),
                    weight=float(it.get("weight", 1)),
                    data=tuple(dict(r) for r in data_rules),
                    data_combine=str(it.get("data_combine", "min")),
                )
            )
        dims.append(
            Dimension(
                id=str(d["id"]),
                label=str(d.get("label", d["id"])),
                weight=float(d.get("weight", 1)),
                items=tuple(items),
            )
        )
    return tuple(dims)


def _term(raw: Any, where: str, dims: tuple[Dimension, ...]) -> list[Term]:
    if not isinstance(raw, dict):
        raise ProjectError(f"{where}: a claim term is a mapping, got {raw!r}")
    if "value" in raw:
        return [Term(None, "value", float(raw["value"]))]
    cases = raw.get("case")
    if cases is None:
        raise ProjectError(f"{where}: a claim term needs `case` or `value`")
    cases = cases if isinstance(cases, list) else [cases]
    dim_ids = {d.id for d in dims}
    item_ids = {i.id for d in dims for i in d.items}
    if "dimension" in raw:
        if raw["dimension"] not in dim_ids:
            raise ProjectError(f"{where}: unknown dimension {raw['dimension']!r}")
        kind, ref = "dimension", raw["dimension"]
    elif "item" in raw:
        if raw["item"] not in item_ids:
            raise ProjectError(f"{where}: unknown item {raw['item']!r}")
        kind, ref = "item", raw["item"]
    elif "items" in raw:
        bad = [x for x in raw["items"] if x not in item_ids]
        if bad:
            raise ProjectError(f"{where}: unknown item(s) {', '.join(map(str, bad))}")
        kind, ref = "items", tuple(raw["items"])
    else:
        kind, ref = "overall", None
    return [Term(str(c), kind, ref) for c in cases]


def _conclusion(raw: Any, i: int, where: str, dims: tuple[Dimension, ...]) -> Conclusion:
    if not isinstance(raw, dict) or "id" not in raw or "quote" not in raw or not raw.get("claims"):
        raise ProjectError(f"{where}: conclusions[{i}] needs `id`, `quote` and `claims`")
    here = f"{where}: conclusion {raw['id']}"
    claims: list[Claim] = []
    for c in raw["claims"]:
        if "indeterminate" in c:
            for t in _term(c["indeterminate"], here, dims):
                claims.append(Claim("indeterminate", left=t))
            continue
        op = str(c.get("op", ""))
        if op not in OPS:
            raise ProjectError(f"{here}: op {op!r}; expected one of {' '.join(OPS)}")
        lefts = _term(c.get("left"), here, dims)
        right_raw = c.get("right")
        if isinstance(right_raw, dict) and right_raw.get("case") == "same":
            for lt in lefts:
                rt = _term({**right_raw, "case": lt.case}, here, dims)[0]
                claims.append(Claim("compare", lt, op, rt))
            continue
        rights = _term(right_raw, here, dims)
        for lt, rt in itertools.product(lefts, rights):
            if lt.case is not None and lt.case == rt.case and lt == rt:
                continue
            claims.append(Claim("compare", lt, op, rt))
    return Conclusion(str(raw["id"]), " ".join(str(raw["quote"]).split()), tuple(claims))


def resolve_score(p: ParsedRating, mapping: dict[str, float]) -> float:
    """One rating's score under one mapping."""
    return resolve(p.score_ref, mapping) * resolve(p.factor_ref, mapping)
