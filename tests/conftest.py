"""Shared test set-up: clean tables are kept in a folder of the test session, not the user's cache."""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _table_cache_of_the_session():
    """Point ``BARO_CACHE_DIR`` (read by baro.clean.cache, inherited by notebook kernels) at a fresh folder."""
    before = os.environ.get("BARO_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="baro-cache-") as folder:
        os.environ["BARO_CACHE_DIR"] = folder
        yield folder
    if before is None:
        os.environ.pop("BARO_CACHE_DIR", None)
    else:
        os.environ["BARO_CACHE_DIR"] = before
