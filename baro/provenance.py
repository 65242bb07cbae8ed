"""Where a report comes from: the versions of Python and the packages, and the git commit.

Standard library only: ``baro run`` records both in every manifest, and the
methods appendix shows the versions (:func:`baro.report.software_versions`).
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

#: Packages whose versions the manifest records and the methods appendix shows.
PACKAGES = ("baro", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
            "papermill", "mistune", "weasyprint")


def versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Python's version, then each package's ("missing" when it is not installed).

    >>> list(versions(("pandas",)))
    ['python', 'pandas']
    """
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def git_commit(root: Path) -> str:
    """The commit checked out in ``root`` (with ``-dirty`` when tracked files changed), or "unknown"."""
    try:  # every tag excluded: describe gives the full commit hash
        return subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=40", "--exclude=*"],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):  # not a checkout, no git
        return "unknown"
