"""SIMULATED tables for editions whose answers were never published.

The barometer published syntheses, not its survey answers. :func:`simulate`
builds cities, projects and objectives tables for an edition from its
``edition.toml``: the published figures hold exactly, and everything never
published comes from the edition's ``[[assumptions]]`` (each with an id, a
sentence and the parameters read here). Cities are anonymised (V01, V02,
...); no real city's answers are in the tables.

How a table is built, in order, from one seeded :class:`numpy.random.Generator`:

1. cities: the assumed counts of each kind and population band, assigned
   to anonymised ids at random;
2. domain counts: fixed first (``domain_counts``; published where the
   edition printed them);
3. projects are allocated to cities domain by domain, in proportion to a
   city weight (gamma, times a population-band factor) and a city domain
   mix (Dirichlet): the city-level effect that makes the clustered design
   effects those of a real survey; per-city constraints (``transport_per_city``,
   ``education_cities``) are met by construction and by moving single
   projects between cities;
4. status, management mode, decision mode and citizen involvement are drawn
   with city effects on the logit scale; exact published counts (régie,
   unilateral decisions) are met by taking the projects with the highest
   latent propensity; ordering statements (where citizens are more
   involved) are met by redrawing, from the same generator;
5. objectives: latent scores per city give each city's ranking; the
   published order under the ranking rule of :func:`baro.reconcile.mean_ranks`
   is met by redrawing.

At the end every published figure the tables are built to reproduce
(``calibrated``, default true) is recomputed with :func:`baro.reconcile.reconcile`
and the simulation raises if one does not hold.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from baro.clean import COLUMNS
from baro.errors import BaroError

#: Tables written, in order: the canonical tables of :data:`baro.clean.COLUMNS`.
TABLES = tuple(COLUMNS)

#: Redraws allowed for an ordering constraint before giving up.
MAX_ATTEMPTS = 500


class SimulatedTables(NamedTuple):
    """The three canonical tables of one simulated edition."""

    cities: pd.DataFrame
    projects: pd.DataFrame
    objectives: pd.DataFrame


# ----------------------------------------------------------------- utilities
def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1.0 - p))


def _params(edition) -> dict[str, dict[str, Any]]:
    return {a["id"]: a.get("parameters", {}) for a in edition.assumptions}


def _need(params: dict, aid: str, year: int) -> dict[str, Any]:
    if aid not in params:
        raise BaroError(
            f"edition {year}: edition.toml has no [[assumptions]] with id {aid!r}, "
            "needed to simulate its tables"
        )
    return params[aid]


def _edition(year):
    from baro import editions

    return editions.load(int(year)) if isinstance(year, (int, np.integer)) else year


# ------------------------------------------------------------------ cities
def _cities(rng, params, year) -> pd.DataFrame:
    kinds = _need(params, "cities_kind", year)
    bands = _need(params, "cities_population_band", year)
    n = sum(kinds.values())
    if sum(bands.values()) != n:
        raise BaroError(
            f"edition {year}: cities_kind counts {n} cities but "
            f"cities_population_band counts {sum(bands.values())}"
        )
    kind = np.repeat(list(kinds), list(kinds.values()))
    band = np.repeat(list(bands), list(bands.values()))
    width = max(2, len(str(n)))
    return pd.DataFrame(
        {
            "city_id": [f"V{i:0{width}d}" for i in range(1, n + 1)],
            "kind": rng.permutation(kind),
            "population_band": rng.permutation(band),
        }
    ).astype("str")


# ------------------------------------------------------------ allocation
def _allocate(rng, cities, domains, counts, params, year) -> np.ndarray:
    """Cities x domains matrix of project counts with fixed column sums."""
    size = _need(params, "city_size", year)
    mix = _need(params, "city_domain_mix", year)
    n = len(cities)
    factor = np.array([size["band_factor"][b] for b in cities["population_band"]], dtype=float)
    weight = rng.gamma(size["gamma_shape"], 1.0, size=n) * factor
    totals = np.array([counts.get(d, 0) for d in domains], dtype=float)
    base = np.where(totals > 0, totals, 0.0) / totals.sum()
    alpha = mix["concentration"] * np.maximum(base, 1e-9) * len(domains)
    profile = rng.dirichlet(alpha, size=n) + 1e-6
    m = np.zeros((n, len(domains)), dtype=int)
    transport = params.get("transport_per_city")
    education = params.get("education_cities")
    for j, d in enumerate(domains):
        total = int(totals[j])
        if total == 0:
            continue
        p = weight * profile[:, j]
        p = p / p.sum()
        if d == "transport" and transport:
            m[:, j] = _bounded(rng, total, p, transport["min"], transport["max"], year)
        elif d == "education" and education:
            k = int(education["cities"])
            chosen = rng.choice(n, size=k, replace=False, p=p)
            col = np.zeros(n, dtype=int)
            col[chosen] = 1
            q = p[chosen] / p[chosen].sum()
            col[chosen] += rng.multinomial(total - k, q)
            m[:, j] = col
        else:
            m[:, j] = rng.multinomial(total, p)
    # every responding city declares at least one project
    # (moved from the largest cell of a domain without a per-city constraint)
    free = np.array(
        [not ((d == "transport" and transport) or (d == "education" and education)) for d in domains]
    )
    for i in np.flatnonzero(m.sum(axis=1) == 0):
        cells = np.where((m > 1) & free[None, :], m, 0)
        if cells.max() == 0:
            raise BaroError(f"edition {year}: cannot give city {i + 1} a project")
        donor_city, donor_dom = np.unravel_index(np.argmax(cells), m.shape)
        m[donor_city, donor_dom] -= 1
        m[i, donor_dom] += 1
    return m


def _bounded(rng, total, p, lo, hi, year) -> np.ndarray:
    """Counts summing to ``total``, each in [lo, hi], the largest exactly hi."""
    n = len(p)
    if not n * lo <= total <= n * hi or total < hi + (n - 1) * lo:
        raise BaroError(f"edition {year}: {total} projects cannot lie in {lo}..{hi} per city")
    col = lo + rng.multinomial(total - n * lo, p)
    while col.max() > hi:
        i = int(np.argmax(col))
        room = np.flatnonzero(col < hi)
        q = p[room] / p[room].sum()
        col[i] -= 1
        col[rng.choice(room, p=q)] += 1
    top = int(np.argmax(col))
    while col[top] < hi:
        donors = np.flatnonzero((col > lo) & (np.arange(n) != top))
        col[donors[np.argmax(col[donors])]] -= 1
        col[top] += 1
    return col


def _projects_frame(rng, cities, domains, m) -> pd.DataFrame:
    city_ids, doms = [], []
    for i, cid in enumerate(cities["city_id"]):
        row = np.repeat(np.array(domains, dtype=object), m[i])
        row = row[rng.permutation(len(row))]
        city_ids += [cid] * len(row)
        doms += list(row)
    width = max(4, len(str(len(doms))))
    return pd.DataFrame(
        {
            "project_id": [f"P{i:0{width}d}" for i in range(1, len(doms) + 1)],
            "city_id": city_ids,
            "domain": doms,
        }
    ).astype("str")


# ---------------------------------------------------------------- governance
def _categorical(rng, base: dict[str, float], city_idx, n_cities, sd) -> np.ndarray:
    codes = list(base)
    logp = np.log(np.array([base[c] for c in codes], dtype=float))
    effects = rng.normal(0.0, sd, size=(n_cities, len(codes)))
    logits = logp[None, :] + effects[city_idx]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    u = rng.random(len(city_idx))
    idx = (probs.cumsum(axis=1) < u[:, None]).sum(axis=1)
    idx = np.minimum(idx, len(codes) - 1)
    return np.array(codes, dtype=object)[idx]


def _top_k(rng, logit_mean, k, year, what) -> np.ndarray:
    """Boolean mask of the k rows with the highest latent propensity."""
    n = len(logit_mean)
    if not 0 <= k <= n:
        raise BaroError(f"edition {year}: {what} count {k} is not within 0..{n}")
    latent = logit_mean + rng.logistic(size=n)
    order = np.argsort(-latent, kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[order[:k]] = True
    return mask


def _governance(rng, projects, n_cities, params, year) -> pd.DataFrame:
    city_idx = projects["city_id"].str[1:].astype(int).to_numpy() - 1
    dom = projects["domain"].to_numpy()
    n = len(projects)

    st = _need(params, "status_shares", year)
    status = _categorical(
        rng, {c: st[c] for c in ("realise", "en_cours", "a_l_etude")}, city_idx, n_cities, st["city_sd"]
    )

    mg = _need(params, "management_mode", year)
    u = rng.normal(0.0, mg["city_sd"], size=n_cities)
    regie = _top_k(rng, _logit(mg["regie"]) + u[city_idx], int(mg["regie_count"]), year, "régie")
    others = {c: mg[c] for c in ("marche", "delegation", "sem_spl", "ppp", "mixte")}
    management = _categorical(rng, others, city_idx, n_cities, 0.5)
    management[regie] = "regie"

    dm = _need(params, "decision_mode", year)
    v = rng.normal(0.0, dm["city_sd"], size=n_cities)
    shift = np.array([dm.get("domain_shift", {}).get(d, 0.0) for d in dom])
    uni = _top_k(
        rng, _logit(dm["unilaterale"]) + v[city_idx] + shift, int(dm["unilaterale_count"]),
        year, "unilateral decision",
    )
    co = rng.random(n) < dm["co_construction_share_of_rest"]
    decision = np.where(uni, "unilaterale", np.where(co, "co_construction", "concertation"))

    ci = _need(params, "citizens_involved", year)
    w = rng.normal(0.0, ci["city_sd"], size=n_cities)
    cshift = np.array([ci.get("domain_shift", {}).get(d, 0.0) for d in dom])
    p = _expit(_logit(ci["concertation"]) + w[city_idx] + cshift)
    involved = np.where(
        decision == "unilaterale", False,
        np.where(decision == "co_construction", True, rng.random(n) < p),
    )
    out = projects.copy()
    out["status"] = pd.array(status, dtype="str")
    out["management_mode"] = pd.array(management, dtype="str")
    out["decision_mode"] = pd.array(decision, dtype="str")
    out["citizens_involved"] = involved.astype(bool)
    return out


# ---------------------------------------------------------------- objectives
def _objectives(rng, cities, asked, params, year) -> pd.DataFrame:
    spec = _need(params, "objective_ranks", year)
    scores = spec["scores"]
    missing = [o for o in asked if o not in scores]
    if missing:
        raise BaroError(f"edition {year}: objective_ranks has no score for {', '.join(missing)}")
    n, k = len(cities), len(asked)
    mu = np.array([scores[o] for o in asked], dtype=float)
    s = mu[None, :] + rng.normal(0.0, spec["noise_sd"], size=(n, k))
    cited = np.zeros((n, k), dtype=bool)
    counts = params.get("objective_cited_counts")
    if counts:
        for j, o in enumerate(asked):
            c = int(counts[o])
            cited[np.argsort(-(s[:, j] + rng.gumbel(size=n)), kind="stable")[:c], j] = True
        for i in np.flatnonzero(~cited.any(axis=1)):
            # give the city its favourite objective, taken from a city citing several
            j = int(np.argmax(s[i]))
            donors = np.flatnonzero(cited[:, j] & (cited.sum(axis=1) > 1))
            if donors.size == 0:
                raise BaroError(f"edition {year}: cannot make city {i + 1} cite an objective")
            d = donors[np.argmin(s[donors, j])]
            cited[d, j] = False
            cited[i, j] = True
    else:
        dist = spec["cited"]
        sizes = np.array([int(x) for x in dist])
        probs = np.array(list(dist.values()), dtype=float)
        m = rng.choice(sizes, size=n, p=probs / probs.sum())
        for i in range(n):
            cited[i, np.argsort(-s[i], kind="stable")[: m[i]]] = True
    ranks = np.full((n, k), -1, dtype=int)
    for i in range(n):
        js = np.flatnonzero(cited[i])
        for r, j in enumerate(js[np.argsort(-s[i, js], kind="stable")], start=1):
            ranks[i, j] = r
    rank = pd.array([None if r < 0 else int(r) for r in ranks.ravel()], dtype="Int64")
    return pd.DataFrame(
        {
            "city_id": pd.array(np.repeat(cities["city_id"].to_numpy(), k), dtype="str"),
            "objective": pd.array(np.tile(np.array(asked, dtype=object), n), dtype="str"),
            "rank": rank,
        }
    )


def _objective_order(params, asked) -> list[str]:
    scores = params["objective_ranks"]["scores"]
    return sorted(asked, key=lambda o: -scores[o])


def _ranking_ok(objectives, order) -> bool:
    from baro.reconcile import mean_ranks

    mr = mean_ranks(objectives)
    return list(mr.index) == order and mr.is_unique


# ---------------------------------------------------------------- simulate
def simulate(year, *, seed: int | None = None) -> SimulatedTables:
    """SIMULATED cities, projects and objectives of edition ``year``.

    Parameters
    ----------
    year : int or baro.editions.Edition
        The edition; its ``edition.toml`` gives figures and assumptions.
    seed : int, optional
        Seed of the generator (default: the edition's ``seed``). The same
        seed gives the same tables.

    Returns
    -------
    SimulatedTables
        ``(cities, projects, objectives)`` in the canonical schema.

    Raises
    ------
    BaroError
        If an assumption is missing or a published figure the tables are
        calibrated on does not hold at the end.

    Examples
    --------
    >>> t = simulate(2014)
    >>> len(t.cities), len(t.projects), t.cities["city_id"].iloc[0]
    (38, 810, 'V01')
    >>> int((t.projects["domain"] == "transport").sum())
    131
    """
    ed = _edition(year)
    if seed is None:
        seed = ed.meta["edition"].get("seed")
        if seed is None:
            raise BaroError(f"edition {ed.year}: no seed given and none in edition.toml")
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    params = _params(ed)
    domains = list(ed.questionnaire.get("domains", []))
    asked = list(ed.questionnaire.get("objectives", []))
    if not domains or not asked:
        raise BaroError(f"edition {ed.year}: [questionnaire] must list domains and objectives")
    counts = _need(params, "domain_counts", ed.year)
    extra = sorted(set(counts) - set(domains))
    if extra:
        raise BaroError(
            f"edition {ed.year}: domain_counts has domain(s) not in the questionnaire: {', '.join(extra)}"
        )

    total = params.get("projects_total", {}).get("total")
    if total is not None and sum(counts.values()) != total:
        raise BaroError(
            f"edition {ed.year}: domain_counts sum to {sum(counts.values())}, "
            f"projects_total says {total}"
        )

    cities = _cities(rng, params, ed.year)
    m = _allocate(rng, cities, domains, counts, params, ed.year)
    base = _projects_frame(rng, cities, domains, m)

    top_rate = [f for f in ed.figures if f.get("statistic") == "top_rate" and f.get("computable", True)]
    for _ in range(MAX_ATTEMPTS):
        projects = _governance(rng, base, len(cities), params, ed.year)
        if all(_top_rate_ok(projects, f) for f in top_rate):
            break
    else:
        raise BaroError(f"edition {ed.year}: citizen involvement ordering not met in {MAX_ATTEMPTS} draws")

    order = _objective_order(params, asked)
    for _ in range(MAX_ATTEMPTS):
        objectives = _objectives(rng, cities, asked, params, ed.year)
        if _ranking_ok(objectives, order):
            break
    else:
        raise BaroError(f"edition {ed.year}: objective order {order} not met in {MAX_ATTEMPTS} draws")

    tables = SimulatedTables(cities, projects, objectives)
    problems = check(ed, tables)
    if problems:
        raise BaroError(
            f"edition {ed.year}, seed {seed}: simulated tables miss published figures:\n  "
            + "\n  ".join(problems)
        )
    return tables


def _top_rate_ok(projects, figure) -> bool:
    from baro.reconcile import compute

    return set(compute(figure, {"projects": projects, "cities": None, "objectives": None})) == set(
        figure["value"]
    )


def check(edition, tables) -> list[str]:
    """Published figures that ``tables`` do not reproduce (empty if none).

    Every computable figure with ``calibrated`` true (the default) must have
    the verdict ``match`` (or ``rounding`` for an approximate figure) in
    :func:`baro.reconcile.reconcile`; figures the sources contradict are
    marked ``calibrated = false`` in edition.toml and skipped. Also checked:
    the number of cities with an education project (``education_cities``),
    and that every city has a project and cites an objective.

    >>> check(2014, simulate(2014))
    []
    """
    from baro.reconcile import reconcile

    ed = _edition(edition)
    rec = reconcile(ed, tables=tables).set_index("id")
    problems = []
    projects, cities = tables.projects, tables.cities
    params = _params(ed)
    if "education_cities" in params:
        k = int(params["education_cities"]["cities"])
        got = projects.loc[projects["domain"] == "education", "city_id"].nunique()
        if got != k:
            problems.append(f"education_cities: {got} cities have an education project, not {k}")
    idle = sorted(set(cities["city_id"]) - set(projects["city_id"]))
    if idle:
        problems.append(f"cities without any project: {', '.join(idle)}")
    silent = sorted(set(cities["city_id"]) - set(tables.objectives.dropna(subset=["rank"])["city_id"]))
    if silent:
        problems.append(f"cities citing no objective: {', '.join(silent)}")
    for fig in ed.figures:
        if not fig.get("computable", True) or not fig.get("calibrated", True):
            continue
        row = rec.loc[fig["id"]]
        ok = {"match", "rounding"} if fig.get("approximate", False) else {"match"}
        if row["verdict"] not in ok:
            problems.append(
                f"{fig['id']}: published {row['published']}, computed {row['computed']} ({row['verdict']})"
            )
    return problems


# ------------------------------------------------------------------- write
def header(year: int, table: str, seed: int) -> str:
    """First line of a simulated table file.

    >>> header(2014, "cities", 2014)[:40]
    '# SIMULATED: table cities of edition 201'
    """
    return (
        f"# SIMULATED: table {table} of edition {year}, generated by baro.simulate "
        f"with seed {seed}, calibrated on the published figures of that edition "
        f"(edition.toml); no real city's answers are in it."
    )


def write(year, folder=None, *, seed: int | None = None, force: bool = False) -> list[Path]:
    """Simulate edition ``year`` and write its three CSV tables.

    Parameters
    ----------
    year : int
        The edition.
    folder : path, optional
        Where to write (default: the edition's folder, data/editions/YEAR).
    seed : int, optional
        Default: the edition's seed.
    force : bool, default False
        Overwrite existing tables; without it an existing table is an error.

    Returns
    -------
    list of Path
        The files written (cities.csv, projects.csv, objectives.csv). Each is
        written to a temporary file in the same folder and moved into place,
        so a reader never sees half a file.
    """
    ed = _edition(year)
    folder = Path(folder) if folder is not None else ed.path
    seed = int(seed if seed is not None else ed.meta["edition"]["seed"])
    targets = [folder / f"{t}.csv" for t in TABLES]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not force:
        raise BaroError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
            "use --force to overwrite"
        )
    tables = simulate(ed, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    from baro.io import format_canonical

    texts = [
        format_canonical(getattr(tables, t), list(COLUMNS[t]), header_comment=header(ed.year, t, seed))
        for t in TABLES
    ]
    temps = []
    try:
        for text, target in zip(texts, targets):
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as fh:
                fh.write(text)
            temps.append(tmp)
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return targets


def cli_simulate(args) -> int:
    """``baro simulate YEAR [--seed N] [--output DIR] [--force]``."""
    from baro import editions

    ed = editions.load(args.year)  # an unknown year is an error listing the available ones
    seed = args.seed if args.seed is not None else ed.meta["edition"].get("seed")
    paths = write(ed, args.output, seed=seed, force=args.force)
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            rows = sum(1 for line in fh if not line.startswith("#")) - 1
        print(f"wrote {p} ({rows} rows, SIMULATED, seed {seed})")
    return 0
