"""baro: re-analysis and reports for the Baromètre ville numérique.

Importing baro loads nothing heavy: pandas, SciPy, matplotlib and papermill
are imported by the submodules that need them, when they are used.

Reports come in French or English (:mod:`baro.text`); a report notebook
works through one :class:`baro.report.Report`. How-to: [add a test to the
edition report](add-a-test.html) (``notebooks/add-a-test.md``).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
