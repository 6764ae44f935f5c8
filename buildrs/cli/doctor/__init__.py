"""``python -m buildrs doctor``: can this project be built here, and if not, what to change.

``diagnose`` (``checks``) reads what a build would read and checks each target,
without building anything, into a typed ``Report`` (``report``), which ``render``
shows as one screen (or ``--json``); every problem comes with its fix.
"""

from .checks import diagnose
from .pyo3 import pyo3_support
from .report import Problem, Report, render

__all__ = ["Problem", "Report", "diagnose", "pyo3_support", "render"]
