"""baro: re-analysis and reports for the Baromètre ville numérique.

Importing baro loads nothing heavy: pandas, SciPy, matplotlib and papermill
are imported by the submodules that need them, when they are used.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
