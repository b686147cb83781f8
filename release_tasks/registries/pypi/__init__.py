"""PyPI: PEP 440 versions ``X.Y.Z.P``, wheels and an sdist by maturin, ``uv publish``.

PyPI has no API to yank a release: withdrawing one is a few steps on its web pages, which the
``yank`` stage prints. A file name can never be uploaded twice, even after deletion.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_tasks.errors import VersionError
from release_tasks.registries import cross, spellings
from release_tasks.registries import interface as values
from release_tasks.registries.common import KindDefaults, mapped_env, package_dir
from release_tasks.registries.endpoints import EndpointField, Endpoints
from release_tasks.registries.lazy import lend
from release_tasks.registries.pypi import platforms as platform_names
from release_tasks.registries.trust import TrustSetup
from release_tasks.registries.versionkey import PlainFirst, plain_numbers, without_trailing_zeros

if TYPE_CHECKING:
    from release_tasks.model.components import Binding
    from release_tasks.model.version import BindingVersion, CoreVersion

__all__ = ["KIND", "PyPI", "equal", "exists", "files", "project_url", "version_of", "versions"]

#: pypi.org and TestPyPI: the only indexes whose yank page we know.
_WEB = {"pypi.org": "https://pypi.org", "test.pypi.org": "https://test.pypi.org"}
_VERSION_ASSIGNMENT = r"(?m)^__version__\s*=\s*(.+)$"
_INDEX = f"{__name__}.index"
_SKIP_DIRS = {".venv", "venv", "target", "node_modules", "build", "dist", "__pycache__"}


class PyPI(KindDefaults):
    name = "pypi"
    label = "PyPI"
    binding_names = ("python", "py")
    alias = "publish_python"
    index_module = _INDEX
    target_module = f"{__name__}.wheels"
    token_variable = "UV_PUBLISH_TOKEN"
    secret_variables = ("UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD", "MATURIN_PYPI_TOKEN",
                        "MATURIN_PASSWORD", "TWINE_PASSWORD")
    ships_crate_source = True
    withdraws_by_api = False
    platform_tags = platform_names.TAGS
    adds_files = True  # a new file on an existing version, never a name twice

    def platform_steps(self, platform: str) -> frozenset[str] | None:
        # the names of wheels.WHEEL and wheels.SDIST (the target is loaded when it builds)
        return frozenset({"sdist" if platform == "source" else "wheel"})

    def cross_builds(self, host: str) -> frozenset[str]:
        return cross.linux_targets(self.platform_tags, host)

    cross_tool = ("it cross-builds Linux wheels on Linux with `maturin build --target T --zig`; "
                  "macOS and Windows wheels are built on their own runners")

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        return platform_names.from_setup(read(f"{directory}/pyproject.toml"), host)

    def platforms_of_file(self, name: str, package: str, rendering: str) -> frozenset[str]:
        from release_tasks.registries.pypi import dists  # packaging: loaded when files are read

        stem = f"{dists.dist_name(package)}-{rendering}"
        if not (name.startswith(f"{stem}-") or name == f"{stem}.tar.gz"):
            return frozenset()
        return dists.platforms_of_file(name)
    endpoint_fields = (
        EndpointField(key="index", config_key="pypi-index", variable="RELEASE_TASKS_PYPI_INDEX_URL",
                      default="https://pypi.org/simple/", trailing_slash=True),
        EndpointField(key="upload", config_key="pypi-upload",
                      variable="RELEASE_TASKS_PYPI_UPLOAD_URL",
                      default="https://upload.pypi.org/legacy/", trailing_slash=True),
    )
    trusted_publishing = "PyPI trusted publishing needs the project's publisher configured on PyPI"
    trust = TrustSetup(
        settings_url="https://pypi.org/manage/project/{package}/settings/publishing/",
        pending_url="https://pypi.org/manage/account/publishing/", workflow_field="Workflow name",
        provenance="a PEP 740 attestation per file, made in the job from its OIDC identity")
    ci = values.CiSetup(environment="pypi", secret="PYPI_TOKEN", secret_help="PyPI API token",
                        steps=("- uses: dtolnay/rust-toolchain@stable  # maturin builds the "
                               "extension with cargo",))

    def render(self, version: BindingVersion) -> str:
        return spellings.pep440(version)

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        return spellings.read_pep440(text, source)

    def read_plain(self, text: str, source: str) -> CoreVersion:
        return spellings.read_plain_pep440(text, source)

    def check_grammar(self, text: str) -> None:
        if plain_numbers(text) is not None:  # PEP 440's normal form of a plain release
            return
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Version(text)
        except InvalidVersion as exc:
            raise VersionError(f"{text!r} is not a valid PEP 440 version for PyPI") from exc
        if str(parsed) != text:
            raise VersionError(f"{text!r} is not in PEP 440 normal form (PyPI would show {parsed})")

    def sort_key(self, text: str) -> Any:
        plain = plain_numbers(text)
        return PlainFirst(text, None if plain is None else without_trailing_zeros(plain),
                          _pep440)

    def package_key(self, package: str) -> str:
        # PEP 503's normalized name (what packaging's canonicalize_name gives).
        return re.sub(r"[-_.]+", "-", package).lower()

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[values.ToolEnv]:
        child = mapped_env(env, source, self.token_variable)
        child["UV_KEYRING_PROVIDER"] = "disabled"  # no OS keyring, no prompt
        return nullcontext(values.ToolEnv(env=child))

    def source_warnings(self, root: Path, binding: Binding) -> list[str]:
        """A ``__version__`` that does not come from package metadata.

        The crate's ``env!("CARGO_PKG_VERSION")`` is the *core* version (0.1.8) while the
        wheel is 0.1.8.2: only ``importlib.metadata.version(...)`` reports the binding's own.
        """
        found = []
        for path in sorted((root / binding.directory).rglob("*.py")):
            if _SKIP_DIRS & set(path.relative_to(root / binding.directory).parts):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in re.finditer(_VERSION_ASSIGNMENT, text):
                value = match.group(1).strip()
                # metadata.version("name") (however imported) names the distribution.
                if "metadata" in value or re.search(r"version\(\s*['\"]", value):
                    continue
                found.append(f"warning: {path.relative_to(root)} sets __version__ = {value}; "
                             "read it from package metadata (importlib.metadata.version) so "
                             "it is the binding's X.Y.Z.P, not the core version the crate was "
                             "built with (see VERSIONING.md)")
        return found + sbom_warning(root, package_dir(binding, "pyproject"))

    def add_arguments(self, parser: argparse._ActionsContainer) -> None:
        from release_tasks.registries.pypi import wheels

        parser.add_argument("--compatibility", metavar="TAG",
                            help="maturin --compatibility (default: "
                                 f"${wheels.COMPATIBILITY_VAR}, [tool.maturin] compatibility, "
                                 "else pypi)")
        parser.add_argument("--zig", action="store_true",
                            help="build with zig (automatic for a manylinux older than this glibc)")

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        given = {"compatibility": getattr(args, "compatibility", None),
                 "zig": getattr(args, "zig", False)}
        return {key: value for key, value in given.items() if value}

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        """PyPI's web pages take a reason and can un-yank: nothing to refuse."""

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        """The steps on the web UI: there is no API to run."""
        assert ctx.binding is not None
        index = self.endpoints(ctx.env, ctx.given)["index"]
        package, rendering = ctx.binding.package, ctx.version
        web = _WEB.get(urlsplit(index).hostname or "")
        verb = "un-yank" if ctx.request.undo else "yank"
        if web is None:
            manual = (f"{package} {rendering} is on a custom index ({index}), which has no "
                      f"yank API known to us: {verb} it with that index's own tools or web UI. "
                      "Nothing was changed.")
            return dataclasses.replace(plan, verb=verb, manual=manual)
        page = f"{web}/manage/project/{self.package_key(package)}/release/{rendering}/"
        reason = ctx.request.message or f"{ctx.version} is withdrawn; upgrade to a newer release"
        step = (f'3. Under "Un-yank release", press "Un-yank" and type {rendering} to confirm.'
                if ctx.request.undo else
                f'3. Under "Yank release", press "Yank", type {rendering} to confirm, and give '
                f"the reason: \"{reason}\"")
        after = ("pip will offer it again." if ctx.request.undo else
                 f"pip then skips {rendering} unless it is pinned exactly (=={rendering}); "
                 "nothing is deleted, and --undo shows how to un-yank.")
        manual = "\n".join([
            f"PyPI has no API to {verb} a release: {verb} {package} {rendering} on the web. "
            "Nothing was changed here.",
            f"  1. Sign in to {web} as an owner or maintainer of {package}.",
            f"  2. Open {page}",
            f"  {step}",
            f"  4. {after}",
        ])
        return dataclasses.replace(plan, verb=verb, manual=manual)

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        binding = source.binding
        assert binding is not None
        directory = package_dir(binding, "pyproject")
        requirement = f"{binding.package} @ git+{source.url}@{source.ref}#subdirectory={directory}"
        code = f'pip install "{requirement}"\nuv add "{requirement}"'
        backend = _build_backend(source.reader.text(f"{directory}/pyproject.toml"))
        if backend and backend.startswith("maturin"):
            build = ("pip clones the repository and builds a wheel from "
                     f"{directory} with maturin: the installing machine needs a Rust toolchain "
                     "(cargo); no prebuilt wheel exists for a branch.")
        else:
            build = (f"pip clones the repository and builds a wheel from {directory} with its "
                     f"build backend ({backend or 'unknown'}).")
        return values.Snippet(component=binding.name, tool="pip",
                       title=f"{binding.label} binding: {binding.package} (pip / uv)", code=code,
                       notes=(build, "In requirements.txt or pyproject.toml dependencies, use "
                                     "the quoted requirement alone."))


def sbom_warning(root: Path, directory: str) -> list[str]:
    """maturin's Rust SBOM makes wheels of one commit differ from checkout to checkout."""
    path = root / directory / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    backend = data.get("build-system", {}).get("build-backend")
    sbom = data.get("tool", {}).get("maturin", {}).get("sbom", {})
    if not (isinstance(backend, str) and backend.startswith("maturin")) or \
            (isinstance(sbom, dict) and sbom.get("rust") is False):
        return []
    return [f"warning: {directory}/pyproject.toml: maturin embeds an SBOM that names the "
            "checkout's absolute paths, so wheels built from one commit in two places differ "
            "and a re-run cannot tell its wheel from the one on the index: set "
            "[tool.maturin.sbom] rust = false"]


def _build_backend(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        backend = tomllib.loads(text).get("build-system", {}).get("build-backend")
    except tomllib.TOMLDecodeError:
        return None
    return backend if isinstance(backend, str) else None


def _pep440(text: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion as exc:
        raise VersionError(f"{text!r} is not a PEP 440 version") from exc


KIND = PyPI()


# The index client's functions, loaded with it when first asked for.
__getattr__ = lend(__name__, _INDEX, {"equal", "exists", "files", "project_url", "version_of", "versions"})
