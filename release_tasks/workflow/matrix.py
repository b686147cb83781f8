"""The build matrix of a binding that declares its platforms.

One build job per such binding, with a cell per platform on a runner of that platform (a
native library is built where it runs) or, for a platform its registry kind cross-builds
(:meth:`RegistryKind.cross_builds`: today PyPI's and npm's Linux platforms, with zig), on
``ubuntu-latest``, whose cell first installs the Rust target (``rustup target add``); the
other platforms keep their own runners (macOS and Windows everywhere, and every RubyGems
platform, whose cross gems would need rb-sys-dock's docker images). Each cell uploads its
files as an artifact
``BINDING-PLATFORM``; the binding's publish job then downloads them all into one directory
and publishes them with ``--artifacts``, whose gate refuses an incomplete set before the
first upload. The cells do not stop each other (``fail-fast: false``): the publish job runs
only when every cell succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from release_tasks.model.platforms import CROSS_HOST, CROSS_RUNNER, MAIN, RUNNERS, RUST_TRIPLES

# The same checkout and install steps as every job of the workflow.
from release_tasks.workflow.jobs import _CHECKOUT, BindingJob, _python

#: Where the artifacts of every cell meet in the publish job (relative to the checkout).
ARTIFACTS: Final = "dist"
__all__ = ["ARTIFACTS", "RUNNERS", "build_job", "build_job_id", "download_steps",
           "matrix_cells"]


def build_job_id(job: BindingJob) -> str:
    return f"build-{job.binding.name}"


def matrix_cells(job: BindingJob) -> list[tuple[str, str]]:
    """(platform, runner) of each cell, in the order the config lists the platforms; a
    registry with a package per platform (npm) has a cell for its main package last."""
    binding, kind = job.binding, job.kind
    crossed = kind.cross_builds(CROSS_HOST)
    cells = [(platform, CROSS_RUNNER if platform in crossed else RUNNERS[platform])
             for platform in binding.platforms]
    if any(kind.platform_package(binding.package, p) != binding.package
           for p in binding.platforms):
        cells.append((MAIN, RUNNERS[MAIN]))
    return cells


def build_job(job: BindingJob) -> Iterator[str]:
    """The binding's build job: a cell per platform runs ``build --platform`` on its runner
    and uploads what it built."""
    job_id, binding = build_job_id(job), job.binding
    version = f"needs.plan.outputs.{job.output}"
    yield f"  {job_id}:"
    yield f"    name: Build {binding.label} (${{{{ matrix.platform }}}})"
    yield "    needs: [plan, preflight]"
    yield f"    if: {version} != 'unchanged' && {version} != ''"
    yield "    strategy:"
    yield "      # every cell runs to its end; the publish job needs all of them"
    yield "      fail-fast: false"
    yield "      matrix:"
    yield "        include:"
    crossed = job.kind.cross_builds(CROSS_HOST)
    for platform, runner in matrix_cells(job):
        yield f"          - platform: {platform}"
        yield f"            runner: {runner}"
        if platform in crossed:
            yield f"            rust-target: {RUST_TRIPLES[platform]}  # cross-built with zig"
    yield "    runs-on: ${{ matrix.runner }}"
    yield "    timeout-minutes: 60"
    yield "    defaults:"
    yield "      run:"
    yield "        shell: bash  # the same shell on Linux, macOS and Windows"
    yield "    steps:"
    yield from _indent(_CHECKOUT, 6)
    yield from _indent(job.kind.ci.steps, 6)
    if crossed & set(job.binding.platforms):
        yield "      - name: The Rust target of a cross build"
        yield "        if: matrix.rust-target"
        yield "        run: rustup target add \"${{ matrix.rust-target }}\""
    yield from _indent(_python(job_id), 6)
    yield "      - name: Build"
    yield (f"        run: nox -s build -- {binding.name} ${{{{ {version} }}}} --platform "
           f"${{{{ matrix.platform }}}} --out {ARTIFACTS}")
    yield "      - uses: actions/upload-artifact@v4"
    yield "        with:"
    yield f"          name: {binding.name}-${{{{ matrix.platform }}}}"
    yield f"          path: {ARTIFACTS}/"
    yield "          if-no-files-found: error"
    yield ""


def download_steps(job: BindingJob) -> tuple[str, ...]:
    """The publish job's steps that gather every cell's files into :data:`ARTIFACTS`."""
    return ("- name: Every platform's files",
            "  uses: actions/download-artifact@v4",
            "  with:",
            f"    pattern: {job.binding.name}-*",
            f"    path: {ARTIFACTS}",
            "    merge-multiple: true")


def _indent(lines: Sequence[str], by: int) -> Iterator[str]:
    for line in lines:
        yield " " * by + line
