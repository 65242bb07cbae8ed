"""Where baro finds its data and writes its outputs.

The project root is the folder holding data/ and notebooks/: the
``BARO_ROOT`` environment variable if set, else the checkout this package
was installed from (baro is installed editable by the Makefile).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("BARO_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return project_root() / "data"


def editions_dir() -> Path:
    return data_dir() / "editions"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def outputs_dir() -> Path:
    return project_root() / "outputs"
