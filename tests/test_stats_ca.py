"""Correspondence analysis against FactoMineR's CA (tests/reference/ca_reference.R)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baro import stats
from baro.stats.ca import COORDINATES_COLUMNS, EIGENVALUES_COLUMNS

REF = Path(__file__).parent / "reference"
FIGURES = json.loads((REF / "ca_reference.json").read_text())
NAMES = ("ca_domain_management", "ca_domain_band", "ca_example")


def rows_of(name: str) -> pd.DataFrame:
    """The count table expanded to one row per observation."""
    table = pd.read_csv(REF / f"{name}.csv", comment="#", index_col="level")
    long = table.stack().rename("count").reset_index()
    long.columns = ["row", "col", "count"]
    return long.loc[long.index.repeat(long["count"])][["row", "col"]].reset_index(drop=True)


def _wide(long: pd.DataFrame, value: str, levels: list) -> np.ndarray:
    return long.pivot(index="level", columns="dimension", values=value).reindex(levels).to_numpy()


@pytest.mark.parametrize("name", NAMES)
def test_eigenvalues_and_inertia_equal_factominer(name):
    ref = FIGURES[name]
    ca = stats.correspondence(rows_of(name), "row", "col")
    np.testing.assert_allclose(ca.eigenvalues["eigenvalue"], ref["eigenvalue"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(100 * ca.eigenvalues["inertia_share"], ref["percentage"], rtol=1e-9)
    np.testing.assert_allclose(ca.total_inertia, ref["total_inertia"], rtol=1e-10)
    np.testing.assert_allclose(ca.chisq, ref["chisq"], rtol=1e-10)
    assert list(ca.eigenvalues.columns) == list(EIGENVALUES_COLUMNS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("part,attr", [("row", "rows"), ("col", "columns")])
def test_coordinates_contributions_cos2_equal_factominer_up_to_sign(name, part, attr):
    ref = FIGURES[name][part]
    ca = stats.correspondence(rows_of(name), "row", "col")
    long = getattr(ca, attr)
    assert list(long.columns) == list(COORDINATES_COLUMNS)
    levels = ref["levels"]
    coord = _wide(long, "coordinate", levels)
    want = np.array(ref["coord"])
    assert coord.shape == want.shape
    # the sign of an axis is arbitrary: compare each axis up to one sign
    signs = np.sign(np.sum(coord * want, axis=0))
    assert np.all(signs != 0)
    np.testing.assert_allclose(coord * signs, want, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(_wide(long, "contribution", levels), ref["contrib"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(_wide(long, "cos2", levels), ref["cos2"], rtol=1e-8, atol=1e-12)


def test_the_sign_of_each_axis_is_fixed_and_the_map_reproducible():
    d = rows_of("ca_domain_management")
    a = stats.correspondence(d, "row", "col")
    b = stats.correspondence(d.sample(frac=1, random_state=3), "row", "col")
    pd.testing.assert_frame_equal(a.rows, b.rows)
    # the row farthest out on each axis is on its positive side
    wide = a.coordinates("rows")
    for dim in ("dim_1", "dim_2"):
        far = wide[dim].abs().idxmax()
        assert wide.loc[far, dim] > 0


def test_masses_sum_to_one_and_coordinates_are_centred():
    ca = stats.correspondence(rows_of("ca_domain_band"), "row", "col")
    for which in ("rows", "columns"):
        wide = ca.coordinates(which)
        assert wide["mass"].sum() == pytest.approx(1.0)
        for dim in [c for c in wide.columns if c.startswith("dim_")]:
            assert (wide["mass"] * wide[dim]).sum() == pytest.approx(0.0, abs=1e-12)


def test_n_components_limits_the_axes_but_not_the_eigenvalues():
    ca = stats.correspondence(rows_of("ca_domain_management"), "row", "col", n_components=2)
    assert ca.n_components == 2
    assert set(ca.rows["dimension"]) == {1, 2}
    assert len(ca.eigenvalues) == 5


def test_a_table_without_inertia_is_refused_with_a_clear_message():
    d = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
    with pytest.raises(ValueError, match="no inertia"):
        stats.correspondence(d, "a", "b")


def test_bad_options_are_named():
    d = rows_of("ca_example")
    with pytest.raises(ValueError, match="same column"):
        stats.correspondence(d, "row", "row")
    with pytest.raises(ValueError, match="n_components"):
        stats.correspondence(d, "row", "col", n_components=0)
    with pytest.raises(KeyError, match="nope"):
        stats.correspondence(d, "row", "nope")
