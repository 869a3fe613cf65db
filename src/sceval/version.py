"""The version of sceval: one place, read by the package, the build and every run record."""

__version__ = "0.1.0"
