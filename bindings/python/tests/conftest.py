"""Imports the pointwise package under test: the one on sys.path (an installed copy,
through PYTHONPATH), else the source tree's bindings/python, whose library then comes
from POINTWISE_LIBRARY or the dynamic loader's search."""

import sys
from pathlib import Path

try:
    import pointwise  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
