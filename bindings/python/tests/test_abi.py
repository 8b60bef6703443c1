"""The ctypes declarations against pointwise.h: a pw_conv_desc that differs from the C
struct in one field is memory corruption (pw_conv_desc_init writes past it), so the
layout is checked twice: by reading the header, and, where a C compiler is present
(it is in CI), by compiling a program that prints sizeof and offsetof."""

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pointwise import _library

REPOSITORY = Path(__file__).resolve().parents[3]
STRUCTS = {"pw_conv_desc": _library.pw_conv_desc, "pw_conv_info": _library.pw_conv_info}
C_TYPES = {"size_t": ctypes.c_size_t, "float": ctypes.c_float, "int": ctypes.c_int}


def header_path():
    """The header of the library under test: the installed one when the CI stage names
    its prefix, else the source tree's."""
    prefix = os.environ.get("POINTWISE_TEST_INSTALL_PREFIX")
    if prefix:
        return Path(prefix) / "include/pointwise/pointwise.h"
    return REPOSITORY / "include/pointwise/pointwise.h"


def header_text():
    text = header_path().read_text()
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def header_struct_fields(text, struct):
    """[(C type, field name)] of `typedef struct struct { ... } struct;`, in order."""
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct, struct), text, re.S).group(1)
    fields = []
    for declaration in body.split(";"):
        declaration = " ".join(declaration.split())
        if not declaration:
            continue
        c_type, names = re.match(r"(\w+) (.+)", declaration).groups()
        fields += [(c_type, name.strip()) for name in names.split(",")]
    return fields


def header_enum(text, enum):
    body = re.search(r"typedef enum %s \{(.*?)\} %s;" % (enum, enum), text, re.S).group(1)
    return {name: int(value) for name, value in re.findall(r"(\w+) = (\d+)", body)}


@pytest.mark.parametrize("struct", sorted(STRUCTS))
def test_struct_fields_are_the_headers(struct):
    text = header_text()
    declared = [(name, c_type) for name, c_type in STRUCTS[struct]._fields_]
    expected = []
    for c_type, name in header_struct_fields(text, struct):
        is_enum = re.search(r"typedef enum %s \{" % c_type, text) is not None
        expected.append((name, ctypes.c_int if is_enum else C_TYPES[c_type]))
    assert declared == expected


def test_enum_values_are_the_headers():
    text = header_text()
    assert {"PW_DATATYPE_" + name.upper(): value for name, value in _library.DATATYPES.items()} == \
        header_enum(text, "pw_datatype")
    assert {"PW_MATH_" + name.upper(): value for name, value in _library.MATHS.items()} == \
        header_enum(text, "pw_math")
    layouts = header_enum(text, "pw_weight_layout")
    assert (layouts["PW_WEIGHTS_IO"], layouts["PW_WEIGHTS_OI"]) == (_library.PW_WEIGHTS_IO, _library.PW_WEIGHTS_OI)
    assert header_enum(text, "pw_isa")["PW_ISA_AUTO"] == _library.PW_ISA_AUTO


def test_abi_version_is_the_headers():
    text = header_path().read_text()
    major, minor = (int(re.search(r"#define POINTWISE_VERSION_%s (\d+)" % part, text).group(1))
                    for part in ("MAJOR", "MINOR"))
    assert _library.abi_compatible((major, minor))


def c_compiler():
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return name
    return None


def test_struct_layout_is_the_compilers(tmp_path):
    compiler = c_compiler()
    if compiler is None:
        pytest.skip("no C compiler to measure the C structs with (the header check above still ran)")
    lines = []
    for struct, declared in sorted(STRUCTS.items()):
        lines.append('printf("%s sizeof %%zu\\n", sizeof(%s));' % (struct, struct))
        for name, _ in declared._fields_:
            lines.append('printf("%s %s %%zu\\n", offsetof(%s, %s));' % (struct, name, struct, name))
    source = tmp_path / "layout.c"
    source.write_text("#include <stddef.h>\n#include <stdio.h>\n#include <pointwise/pointwise.h>\n"
                      "int main(void) {\n%s\nreturn 0;\n}\n" % "\n".join(lines))
    program = tmp_path / "layout"
    include = header_path().parents[1]
    subprocess.run([compiler, "-std=c99", "-I", str(include), str(source), "-o", str(program)], check=True)
    measured = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout.split("\n")
    expected = []
    for struct, declared in sorted(STRUCTS.items()):
        expected.append("%s sizeof %d" % (struct, ctypes.sizeof(declared)))
        expected += ["%s %s %d" % (struct, name, getattr(declared, name).offset) for name, _ in declared._fields_]
    assert measured[:-1] == expected


def test_abi_compatibility_rule():
    """Before 1.0 a minor version is an ABI; from 1.0 on the major is, and minors add."""
    assert _library.abi_compatible(_library.ABI_VERSION)
    major, minor = _library.ABI_VERSION
    assert not _library.abi_compatible((major + 1, minor))
    assert _library.abi_compatible((major, minor + 1)) == (major != 0)
    if minor:
        assert not _library.abi_compatible((major, minor - 1))


def test_library_file_names_follow_the_abi():
    """The first name tried is the SONAME of the ABI, not a hard-coded one."""
    major, minor = _library.ABI_VERSION
    if sys.platform.startswith("linux"):
        assert _library._FILE_NAMES[0] == ("libpointwise.so.%d.%d" % (major, minor) if major == 0
                                           else "libpointwise.so.%d" % major)
