"""Variant names: learned from the library at run time, in any case, "auto" included."""

import ctypes
import re
from pathlib import Path

import numpy as np
import pytest

import pointwise
from pointwise import _library

HEADER = Path(__file__).resolve().parents[3] / "include/pointwise/pointwise.h"


def library_isa_names():
    """pw_isa_name(0), pw_isa_name(1), ... up to "unknown", asked through ctypes directly."""
    lib = ctypes.CDLL(pointwise.library_path())
    lib.pw_isa_name.restype = ctypes.c_char_p
    lib.pw_isa_name.argtypes = [ctypes.c_int]
    names = []
    while lib.pw_isa_name(len(names)) != b"unknown":
        names.append(lib.pw_isa_name(len(names)).decode())
    return names


def test_binding_names_are_the_librarys():
    assert ["auto"] + list(pointwise.ISAS) == library_isa_names()
    for name in pointwise.ISAS:
        if pointwise.isa_supported(name):
            math = "f32" if pointwise.isa_supported(name, math="f32") else "bf16"
            assert pointwise.Conv1x1([[1.0]], isa=name, math=math).info.isa == name


def test_binding_names_are_the_headers():
    enum = re.search(r"typedef enum pw_isa \{(.*?)\} pw_isa;", HEADER.read_text(), re.S).group(1)
    values = {name.lower(): int(value) for name, value in re.findall(r"PW_ISA_(\w+) = (\d+)", enum)}
    # Every public value, under its own name; the library may have more rows than the
    # header names (a variant that is not public), never fewer.
    names = ["auto"] + list(pointwise.ISAS)
    for name, value in values.items():
        assert value < len(names) and names[value] == name, (name, value, names)


def test_names_come_from_the_library_at_run_time():
    class FutureLibrary:
        """A library with one more variant than this binding has ever heard of."""
        names = [b"auto", b"scalar", b"sse", b"avx2", b"avx512", b"neon", b"rvv"]

        def pw_isa_name(self, value):
            return self.names[value] if 0 <= value < len(self.names) else b"unknown"

    assert _library.isa_names(FutureLibrary()) == ("auto", "scalar", "sse", "avx2", "avx512", "neon", "rvv")


@pytest.mark.parametrize("spelling", [str.upper, str.title, str.lower])
def test_names_in_any_case(spelling):
    for name in ("auto",) + tuple(pointwise.ISAS):
        assert pointwise.isa_supported(spelling(name)) == pointwise.isa_supported(name)
        for math in pointwise.MATHS:
            assert pointwise.isa_supported(spelling(name), math=math) == pointwise.isa_supported(name, math=math)
    for name in pointwise.supported_isas() + ["auto"]:
        math = "f32" if pointwise.isa_supported(name, math="f32") else "bf16"
        conv = pointwise.Conv1x1(np.ones((2, 1), np.float32), isa=spelling(name), math=math)
        assert conv.info.isa == (pointwise.best_isa() if name == "auto" else name)


def test_auto_is_supported():
    assert pointwise.isa_supported("auto")
    assert pointwise.isa_supported("AUTO")


@pytest.mark.parametrize("name", ["scalar\0", "scalar\0avx512", "avx2\0x", "", "auto ", "\udcff"])
def test_names_are_not_truncated_or_mangled(name):
    with pytest.raises(ValueError):
        pointwise.Conv1x1(np.ones((2, 1), np.float32), isa=name)
    with pytest.raises(ValueError):
        pointwise.isa_supported(name)
