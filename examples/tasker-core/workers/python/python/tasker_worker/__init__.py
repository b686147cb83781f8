"""Python bindings for the Tasker worker."""

from importlib.metadata import version as _dist_version

from ._native import ffi as _ffi, lib as _lib

__version__ = _dist_version("tasker-worker-py")


def core_version() -> str:
    """Version of the Rust core the native library was built from."""
    return _ffi.string(_lib.tasker_py_core_version()).decode()


def handle(name: str) -> str:
    ptr = _lib.tasker_py_handle(name.encode())
    try:
        return _ffi.string(ptr).decode()
    finally:
        _lib.tasker_py_free_string(ptr)


__all__ = ["__version__", "core_version", "handle"]
