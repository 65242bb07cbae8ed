"""Benchmark of reading and validating a large edition.

    python benchmarks/bench_ingest.py [--projects N] [--cities N] [--report]

Writes a synthetic edition (SIMULATED: the labels of edition 2014 drawn at
random, city ids C000001...) into a temporary folder, then prints, each
measured in this one run:

1. validate / read_csv: the time of ``load_tables`` (what ``baro validate``
   does) against ``pandas.read_csv`` of the same three files (target: 3 or
   less);
2. peak memory of ``baro validate`` on those files, in a process of its
   own (target: under 800 MB);
3. with ``--report``: ``baro run 2014 --data`` on the big edition against
   the same report on the shipped 810-row edition (target: 4 or less).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Labels written, as an export would hold them (French labels and codes mixed).
DOMAINS = ["Transport", "Éducation", "e-citoyenneté", "e_gouvernement", "Loisirs et culture",
           "Santé et social", "Sécurité", "Environnement", "Bâtiment et urbanisme",
           "Développement économique"]
STATUSES = ["Réalisé", "En cours", "À l'étude"]
MANAGEMENT = ["Régie", "Délégation", "Marché / prestataire", "PPP", "SEM / SPL", "Mixte"]
DECISION = ["Unilatérale", "Concertation", "Co-construction"]
KINDS = ["Commune", "Intercommunalité", "Conjoint"]
BANDS = ["50 000 à 99 999", "100 000 à 199 999", "200 000 et plus"]


def write_edition(folder: Path, n_projects: int, n_cities: int, seed: int = 2014) -> dict[str, Path]:
    """Write cities.csv, projects.csv and objectives.csv (SIMULATED) into ``folder``."""
    from baro.taxonomy import load_taxonomy

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    note = "# SIMULATED: synthetic benchmark edition, random labels, no real city\n"
    width = len(str(n_cities))
    cities = np.array([f"C{i:0{width}d}" for i in range(1, n_cities + 1)], dtype=object)
    pick = lambda labels, n: np.asarray(labels, dtype=object)[rng.integers(0, len(labels), n)]  # noqa: E731
    c = pd.DataFrame({"city_id": cities, "kind": pick(KINDS, n_cities), "population_band": pick(BANDS, n_cities)})
    # every city has at least one project
    owner = np.concatenate([np.arange(n_cities), rng.integers(0, n_cities, n_projects - n_cities)])
    owner.sort()
    p = pd.DataFrame({
        "project_id": [f"P{i:07d}" for i in range(1, n_projects + 1)],
        "city_id": cities[owner],
        "domain": pick(DOMAINS, n_projects),
        "status": pick(STATUSES, n_projects),
        "management_mode": pick(MANAGEMENT, n_projects),
        "decision_mode": pick(DECISION, n_projects),
        "citizens_involved": pick(["oui", "non"], n_projects),
    })
    objectives = load_taxonomy().codes("objective", 2014)
    k = len(objectives)
    ranks = np.argsort(rng.random((n_cities, k)), axis=1) + 1
    o = pd.DataFrame({
        "city_id": np.repeat(cities, k),
        "objective": np.tile(np.asarray(objectives, dtype=object), n_cities),
        "rank": ranks.ravel(),
    })
    o = o[o["rank"] <= 5]
    paths = {}
    for name, frame in (("cities", c), ("projects", p), ("objectives", o)):
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(note)
            frame.to_csv(fh, index=False, lineterminator="\n")
        paths[name] = path
    return paths
