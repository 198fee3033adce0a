"""Build the optional C speed-up, iolog._speedups; everything else is in pyproject.toml.

The extension is optional: without a C compiler or Python's headers the
build of it fails, setuptools says so, and the package installs without it
(the pure-Python twins run, with identical results; see iolog/_native.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "iolog._speedups",
            sources=["iolog/_speedups.c", "iolog/_speedups_walk.c", "iolog/_speedups_batch.c",
                     "iolog/_speedups_lines.c", "iolog/_speedups_merge.c"],
            depends=["iolog/_speedups.h"],
            optional=True,
        ),
    ],
)
