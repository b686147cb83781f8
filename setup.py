"""Packaging hook: the wheel ships the example monorepo as package data.

``examples/tasker-core`` stays the one source of the example (tests, docs and the demo of
a checkout read it there); a build copies it to ``release_tasks/_example/tasker-core`` so
that ``release-tasks demo`` works from an installed wheel. Everything else about the
package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

EXAMPLE = Path(__file__).resolve().parent / "examples" / "tasker-core"
# Build outputs a developer may have left in the example: never shipped.
IGNORE = shutil.ignore_patterns("target", "node_modules", "dist", "*.gem", "*.so", "*.dylib",
                                "__pycache__", "*.whl", ".venv", "*.pyc")


class BuildWithExample(build_py):
    """``build_py`` that also copies the example monorepo into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads examples/ in the checkout itself
        if not EXAMPLE.is_dir():
            raise SystemExit(f"{EXAMPLE} is missing: the package ships it (build from a "
                             "checkout or from the sdist, which includes it)")
        dest = Path(self.build_lib) / "release_tasks" / "_example" / "tasker-core"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(EXAMPLE, dest, ignore=IGNORE)


setup(cmdclass={"build_py": BuildWithExample})
