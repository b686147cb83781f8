"""npm: semver renderings ``X.Y.(Z*1000+P)``, ``npm publish``, ``npm deprecate``.

npm refuses four-part versions, so a binding's ``X.Y.Z.P`` is published as
``X.Y.(Z*1000+P)`` (``0.1.8.2`` -> ``0.1.8002``), which keeps npm's semver order.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_tasks.errors import UsageError
from release_tasks.model.platforms import MAIN
from release_tasks.registries import cross, spellings
from release_tasks.registries import interface as values
from release_tasks.registries.common import (
    KindDefaults,
    ask_first,
    package_dir,
    semver_grammar,
    semver_key,
)
from release_tasks.registries.endpoints import EndpointField, Endpoints
from release_tasks.registries.lazy import lend
from release_tasks.registries.npm import platforms as platform_names
from release_tasks.registries.trust import ToolMinimum, TrustSetup

if TYPE_CHECKING:
    from release_tasks.model.components import Binding
    from release_tasks.model.version import BindingVersion, CoreVersion
    from release_tasks.registries.http import Sleep

__all__ = ["KIND", "Npm", "exists", "files", "package_path", "versions"]

PATCH_FACTOR = spellings.PATCH_FACTOR
_INDEX = f"{__name__}.index"
_STEPS = (
    "- uses: dtolnay/rust-toolchain@stable  # the native library is built with cargo",
    "- uses: actions/setup-node@v4",
    "  with:",
    "    node-version: ${{ env.NODE_VERSION }}",
    "# npm trusted publishing needs npm 11.5.1 or newer (and no NODE_AUTH_TOKEN left set).",
    "- run: npm install --global npm@^11.5.1",
    "- uses: oven-sh/setup-bun@v2",
)


class Npm(KindDefaults):
    name = "npm"
    label = "npm"
    binding_names = ("typescript", "ts", "node", "nodejs", "js", "javascript")
    alias = "publish_typescript"
    index_module = _INDEX
    target_module = f"{__name__}.package"
    token_variable = "NPM_TOKEN"
    platform_tags = platform_names.TAGS

    def platform_package(self, package: str, platform: str) -> str:
        return platform_names.package_of(package, platform)

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        return platform_names.from_setup(read(f"{directory}/package.json"))

    def platform_steps(self, platform: str) -> frozenset[str] | None:
        # the main package (package.STEP) or the platform's own (platform_package.step_of)
        return frozenset({"tarball" if platform == MAIN else f"platform-{platform}"})

    def cross_builds(self, host: str) -> frozenset[str]:
        return cross.linux_targets(self.platform_tags, host)

    cross_tool = ("it cross-builds a Linux platform's package on Linux with `cargo zigbuild "
                  "--target T`; macOS and Windows packages are built on their own runners")
    rendering_form = "an npm version X.Y.(Z*1000+P), the npm rendering of X.Y.Z.P"
    endpoint_fields = (EndpointField(key="registry", config_key="npm",
                                     variable="RELEASE_TASKS_NPM_REGISTRY",
                                     default="https://registry.npmjs.org/", trailing_slash=True),)
    trusted_publishing = ("npm trusted publishing needs npm 11.5.1 or newer, and a leftover "
                          "NODE_AUTH_TOKEN gets in its way")
    secret_variables = ("NPM_TOKEN", "NODE_AUTH_TOKEN")
    trust = TrustSetup(
        settings_url="https://www.npmjs.com/package/{package}/access", pending_url=None,
        shadowing_variables=("NODE_AUTH_TOKEN", "NPM_TOKEN", "NPM_CONFIG__AUTHTOKEN",
                             "npm_config__authToken"),
        token_files=(".npmrc",), token_file_variables=("NPM_CONFIG_USERCONFIG",
                                                       "npm_config_userconfig"),
        token_marker="_authToken",
        tool=ToolMinimum(program="npm", minimum=(11, 5, 1),
                         fix="npm install --global npm@^11.5.1"),
        provenance="npm provenance (trusted publishing gives it; with a token, --provenance)")
    ci = values.CiSetup(environment="npm", secret="NPM_TOKEN", secret_help="npm automation token",
                        steps=_STEPS, env={"NODE_VERSION": "22"},
                        id_token="trusted publishing (OIDC) and npm provenance")

    def render(self, version: BindingVersion) -> str:
        return spellings.npm(version)

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        return spellings.read_npm(text, source)

    def read_plain(self, text: str, source: str) -> CoreVersion:
        return spellings.read_plain_npm(text, source)

    def check_grammar(self, text: str) -> None:
        semver_grammar(text, self.name)

    def sort_key(self, text: str) -> Any:
        return semver_key(text)

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[values.ToolEnv]:
        from release_tasks.registries.npm import package

        return package.userconfig(endpoints["registry"], source, env)

    # --- withdrawal: npm deprecate (unpublish is refused after 72 hours, forever) ----------

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        if message is None:
            return
        if undo:
            raise UsageError("--message with --undo: the npm undo takes no message")
        if not message.strip():
            raise UsageError("--message must not be empty: npm reads an empty message as "
                             "un-deprecate (use --undo for that)")

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        from release_tasks.registries.npm import index, package

        assert ctx.binding is not None
        undo = ctx.request.undo
        version = ctx.binding.parse_version(ctx.version)
        rendering = self.render(version)
        message = "" if undo else ctx.request.message or default_message(version)
        endpoints = self.endpoints(ctx.env, ctx.given)
        registry = endpoints["registry"]
        name = ctx.binding.package
        spec = f"{name}@{rendering}"

        def listed(sleep: Sleep) -> list[str]:
            found = index.exists(ctx.http, endpoints, name, rendering, sleep=sleep)
            return [rendering] if found else []

        _, notes = ask_first(ctx.request, listed, f"{spec} is not on npm ({registry}): nothing "
                             f"to {'un-deprecate' if undo else 'deprecate'}", [])
        how = (f"{plan.credential}, through a temporary userconfig (mode 0600, removed "
               f"afterwards) holding {package.registry_key(registry)}:_authToken="
               f"${{{plan.credential}}}" if plan.credential else "none configured")
        return dataclasses.replace(
            plan, where=f"npm ({registry})", verb="un-deprecate" if undo else "deprecate",
            commands=(values.Command(subject=spec, argv=("npm", "deprecate", spec, message,
                                                  "--registry", registry)),),
            how=how, notes=notes, endpoints=endpoints)

    # --- edge: npm cannot install a subdirectory of a git repository at a branch ------------

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        binding, url, ref, kind = source.binding, source.url, source.ref, source.ref_kind
        assert binding is not None
        directory = package_dir(binding, "package-json")
        manifest = _json(source.reader.text(f"{directory}/package.json"))
        name = str(manifest.get("name") or binding.package)
        version = str(manifest.get("version") or "VERSION")
        tarball = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        checkout = f"{PurePosixPath(urlsplit(url).path).name.removesuffix('.git') or 'repo'}-edge"
        clone = (f"git clone --branch {ref} {url} {checkout}" if kind != "rev" else
                 f"git clone {url} {checkout} && git -C {checkout} checkout {ref}")
        steps = [clone, f"cd {checkout}"]
        if binding.crate:
            steps.append(f"cargo build --release -p {binding.crate}")
        steps += [f"cd {directory}", "bun install && bun run build",
                  f"npm pack          # writes {tarball}", "cd /path/to/your/app",
                  f"npm install /path/to/{checkout}/{directory}/{tarball}"]
        native = f" and the native library of the {binding.crate} crate" if binding.crate else ""
        if kind == "rev":
            where = (f"npm can fetch {directory}/ at a full commit id "
                     f"(`npm install \"git+{url}#<commit>::path:{directory}\"`, recent npm only)")
        else:
            where = (f"npm cannot install {name} from a {kind} of this repository: a git "
                     "dependency's package.json must be at the repository root, and this one is "
                     f"in {directory}/. (Recent npm reads `#<commit>::path:{directory}`, but only "
                     "with a full commit id: with a branch or tag name it installs the "
                     "repository root's package instead.)")
        return values.Snippet(component=binding.name, tool="npm",
                       title=f"{binding.label} binding: {name} (npm)", code="\n".join(steps),
                       notes=(
            where,
            f"A git install would not build it either: dist/{native} are build outputs, not in "
            "the repository. So build it from a checkout, as above, and install the tarball.",
            f"Or `npm install /path/to/{checkout}/{directory}` links the built directory instead "
            "of copying a tarball.",
        ))


def default_message(version: BindingVersion) -> str:
    """npm's deprecation message unless ``--message`` says otherwise."""
    return (f"{version} (npm {KIND.render(version)}) is withdrawn; upgrade to a newer "
            "release")


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


KIND = Npm()


# The index client's functions, loaded with it when first asked for.
__getattr__ = lend(__name__, _INDEX, {"exists", "files", "package_path", "versions"})
