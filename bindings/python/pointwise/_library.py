"""Finds and loads libpointwise, and declares the C API's prototypes for ctypes.

Search order (the first that exists and loads wins):
  1. the environment variable POINTWISE_LIBRARY: the library file, or its directory;
  2. next to this package (a copy bundled inside it), then the lib directories of
     the install prefix around it (<prefix>/lib/python3/dist-packages/pointwise
     -> <prefix>/lib, <prefix>/lib64, <prefix>/lib/<multiarch>);
  3. ctypes.util.find_library("pointwise") (ldconfig, LD_LIBRARY_PATH), then the
     SONAME through the dynamic loader's own search.
"""

import ctypes
import ctypes.util
import os
import sys
import sysconfig
from pathlib import Path

# The ABI this binding is written against (pointwise.h: the pw_conv_desc layout, the
# prototypes). Before 1.0 a minor version changes the ABI, as 0.2 did (bf16: the desc
# grew), so 0.x needs the same minor; from 1.0 on, the same major and a minor at least this.
ABI_VERSION = (0, 2)


def abi_compatible(version):
    """True when a library of version (major, minor, ...) has the ABI of this binding."""
    major, minor = version[0], version[1]
    if major != ABI_VERSION[0]:
        return False
    return minor == ABI_VERSION[1] if major == 0 else minor >= ABI_VERSION[1]


def _soname_suffix():
    # The SONAME follows the ABI: libpointwise.so.0.2 before 1.0, libpointwise.so.1 after.
    return "%d.%d" % ABI_VERSION if ABI_VERSION[0] == 0 else "%d" % ABI_VERSION[0]


if sys.platform == "darwin":
    _FILE_NAMES = ("libpointwise.%s.dylib" % _soname_suffix(), "libpointwise.%d.dylib" % ABI_VERSION[0],
                   "libpointwise.dylib")
elif sys.platform == "win32":
    _FILE_NAMES = ("pointwise.dll",)
else:
    # The ABI's own name first; the plain .so (a build tree's or -dev link) and the
    # major-only name may be any version, which load() checks before using it.
    _FILE_NAMES = ("libpointwise.so.%s" % _soname_suffix(), "libpointwise.so.%d" % ABI_VERSION[0],
                   "libpointwise.so")


class pw_conv_desc(ctypes.Structure):
    _fields_ = [
        ("groups", ctypes.c_size_t),
        ("in_channels", ctypes.c_size_t),
        ("out_channels", ctypes.c_size_t),
        ("stride_h", ctypes.c_size_t),
        ("stride_w", ctypes.c_size_t),
        ("weight_layout", ctypes.c_int),
        ("output_min", ctypes.c_float),
        ("output_max", ctypes.c_float),
        ("isa", ctypes.c_int),
        ("flush_denormals", ctypes.c_int),
        ("input_type", ctypes.c_int),
        ("output_type", ctypes.c_int),
        ("math", ctypes.c_int),
    ]


class pw_conv_info(ctypes.Structure):
    _fields_ = [
        ("isa", ctypes.c_int),
        ("mr", ctypes.c_size_t),
        ("nr", ctypes.c_size_t),
        ("kc", ctypes.c_size_t),
        ("nc", ctypes.c_size_t),
        ("packed_weight_bytes", ctypes.c_size_t),
    ]


# pw_weight_layout and pw_isa values (pointwise.h).
PW_WEIGHTS_IO = 0
PW_WEIGHTS_OI = 1
PW_ISA_AUTO = 0
# pw_datatype and pw_math values, by the names the binding accepts.
DATATYPES = {"f32": 0, "bf16": 1}
MATHS = {"f32": 0, "bf16": 1}
# pw_isa_name answers "unknown" past the last variant; this bounds the walk should it not.
_MAX_ISAS = 256

_c = ctypes
_PROTOTYPES = {
    # name: (restype, argtypes)
    "pw_conv_desc_init": (None, [_c.POINTER(pw_conv_desc), _c.c_size_t, _c.c_size_t]),
    "pw_conv_create": (_c.c_int, [_c.POINTER(pw_conv_desc), _c.c_void_p, _c.c_void_p, _c.POINTER(_c.c_void_p)]),
    "pw_conv_run": (_c.c_int, [_c.c_void_p, _c.c_size_t, _c.c_size_t, _c.c_size_t,
                               _c.c_void_p, _c.c_size_t, _c.c_void_p, _c.c_size_t,
                               _c.c_void_p, _c.c_size_t, _c.c_void_p]),
    "pw_conv_destroy": (None, [_c.c_void_p]),
    "pw_conv_get_info": (_c.c_int, [_c.c_void_p, _c.POINTER(pw_conv_info)]),
    "pw_best_isa": (_c.c_int, []),
    "pw_isa_supported": (_c.c_int, [_c.c_int]),
    "pw_isa_name": (_c.c_char_p, [_c.c_int]),
    "pw_isa_from_name": (_c.c_int, [_c.c_char_p, _c.POINTER(_c.c_int)]),
    "pw_threadpool_create": (_c.c_void_p, [_c.c_size_t]),
    "pw_threadpool_destroy": (None, [_c.c_void_p]),
    "pw_threadpool_threads": (_c.c_size_t, [_c.c_void_p]),
    "pw_status_string": (_c.c_char_p, [_c.c_int]),
    "pw_last_error": (_c.c_char_p, []),
    "pw_version": (_c.c_char_p, []),
}


def _candidates():
    """Yields the paths or names to try, in order."""
    explicit = os.environ.get("POINTWISE_LIBRARY")
    if explicit:
        path = Path(explicit)
        if path.is_dir():
            present = [path / name for name in _FILE_NAMES if (path / name).is_file()]
            for candidate in present or [path / _FILE_NAMES[0]]:
                yield str(candidate)
        else:
            yield str(path)
        return
    here = Path(__file__).resolve().parent
    lib_dirs = ["lib", "lib64"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        lib_dirs.append("lib/" + multiarch)
    # here itself, then up to <prefix> when installed as <prefix>/lib/python3/dist-packages/pointwise.
    for directory in [here] + list(here.parents)[:4]:
        for sub in [""] + lib_dirs:
            for name in _FILE_NAMES:
                candidate = directory / sub / name if sub else directory / name
                if candidate.is_file():
                    yield str(candidate)
    found = ctypes.util.find_library("pointwise")
    if found:
        yield found
    yield _FILE_NAMES[0]


def load():
    """Returns the loaded library with every prototype declared; ImportError if none loads.
    A library of another ABI (see ABI_VERSION) is passed over: its pw_conv_desc would
    not be the one declared here."""
    tried = []
    for candidate in _candidates():  # an explicit POINTWISE_LIBRARY is the only candidate
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as error:
            tried.append("%s (%s)" % (candidate, error))
            continue
        missing = [name for name in _PROTOTYPES if not hasattr(lib, name)]
        if missing:
            tried.append("%s (not libpointwise: no %s)" % (candidate, ", ".join(missing)))
            continue
        lib.pw_version.restype = ctypes.c_char_p
        lib.pw_version.argtypes = []
        version = lib.pw_version().decode()
        if not abi_compatible(_version_tuple(version)):
            tried.append("%s (pointwise %s; this binding needs the ABI of %d.%d)"
                         % ((candidate, version) + ABI_VERSION))
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
        return lib
    raise ImportError("cannot load libpointwise; set POINTWISE_LIBRARY to the library file. Tried: "
                      + "; ".join(tried))


def _version_tuple(text):
    try:
        return tuple(int(part) for part in text.split(".")[:2])
    except ValueError:
        return (-1, -1)


def isa_names(lib):
    """The library's pw_isa names, indexed by value: pw_isa_name(0) ("auto"), (1), ...
    up to the first "unknown". Read at run time, so a variant the library gains
    needs no change here."""
    names = []
    for value in range(_MAX_ISAS):
        name = lib.pw_isa_name(value)
        if not name or name == b"unknown":
            break
        names.append(name.decode())
    return tuple(names)


def library_path(lib):
    """The file the dynamic loader actually opened for `lib`."""
    if sys.platform.startswith("linux"):
        # dladdr on one of its functions names the file, whatever name it was loaded by.
        class _DlInfo(ctypes.Structure):
            _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                        ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]
        try:
            libdl = ctypes.CDLL(None)
            info = _DlInfo()
            address = ctypes.cast(lib.pw_version, ctypes.c_void_p)
            if libdl.dladdr(address, ctypes.byref(info)) and info.dli_fname:
                return os.path.realpath(info.dli_fname.decode())
        except (OSError, AttributeError):
            pass
    return lib._name
