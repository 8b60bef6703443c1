"""Runs a scenario in a fresh interpreter, so that one that crashes (a use after free,
a double free) or hangs fails its own test instead of taking the whole suite down."""

import os
import subprocess
import sys
import textwrap


def run_python(code, timeout=60):
    """(returncode, stdout, stderr) of `code` run with this process's import path;
    returncode is None when it did not finish within `timeout` seconds."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    try:
        result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return None, expired.stdout or "", expired.stderr or ""
    return result.returncode, result.stdout, result.stderr
