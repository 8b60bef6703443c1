"""The module-level functions, how the library is found, and the README's snippet."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pointwise

REPOSITORY = Path(__file__).resolve().parents[3]


def test_version_matches_the_header():
    header = (REPOSITORY / "include/pointwise/pointwise.h").read_text()
    parts = [re.search(r"#define POINTWISE_VERSION_%s (\d+)" % part, header).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    assert pointwise.version() == ".".join(parts)


def test_isa_queries():
    assert pointwise.isa_supported("scalar")
    supported = pointwise.supported_isas()
    assert "scalar" in supported
    assert pointwise.best_isa() in supported
    assert pointwise.Conv1x1([[1.0]]).info.isa == pointwise.best_isa()
    info = pointwise.Conv1x1([[1.0]] * 3).info
    assert info.mr >= 1 and info.nr >= 1 and info.kc >= 1 and info.nc >= 1 and info.packed_weight_bytes >= 4


def test_loaded_library_is_the_expected_one():
    """The CI stage names the install prefix it installed to: the package must have
    found the library there by itself (POINTWISE_LIBRARY unset)."""
    prefix = os.environ.get("POINTWISE_TEST_INSTALL_PREFIX")
    if not prefix:
        pytest.skip("POINTWISE_TEST_INSTALL_PREFIX not set")
    assert "POINTWISE_LIBRARY" not in os.environ
    prefix = os.path.realpath(prefix)
    assert os.path.realpath(pointwise.__file__).startswith(prefix + os.sep)
    assert pointwise.library_path().startswith(prefix + os.sep)


def test_explicit_library_that_does_not_exist_fails_to_import():
    env = dict(os.environ, POINTWISE_LIBRARY="/nonexistent/libpointwise.so.0",
               PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-c", "import pointwise"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "POINTWISE_LIBRARY" in result.stderr


def readme_python_snippet():
    readme = (REPOSITORY / "README.md").read_text()
    section = readme.split("## Using pointwise", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_snippet_is_the_python_example_and_prints_the_worked_example():
    example = (REPOSITORY / "examples/python/worked_example.py").read_text()
    snippet = readme_python_snippet()
    assert snippet in example
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-"], input=snippet, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[[[5], [11], [17]], [[23], [29], [35]], [[41], [47], [53]]]"


def test_explicit_library_is_the_one_loaded():
    loaded = pointwise.library_path()
    code = "import pointwise; print(pointwise.library_path())"
    for explicit in (loaded, os.path.dirname(loaded)):  # the file, or its directory
        env = dict(os.environ, POINTWISE_LIBRARY=explicit, PYTHONPATH=os.pathsep.join(sys.path))
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == loaded
