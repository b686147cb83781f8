"""A registry kind that exists only in the test suite: "crumbs", a directory of tarballs.

It spells ``X.Y.Z.P`` as ``X.Y.Z-P`` (a rendering no real registry uses, so that every place
that renders, reads back or orders a version must ask the kind), keeps its "index" in a
directory named by ``RELEASE_TASKS_CRUMBS_STORE``, takes its token from ``CRUMBS_TOKEN``, and
withdraws a version by moving its tarball aside with a command. It is registered the way a new
kind would be, as one entry of ``REGISTRIES`` (here by monkeypatching it).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from release_tasks.errors import UsageError, VersionError
from release_tasks.model.components import Binding
from release_tasks.model.version import BindingVersion
from release_tasks.registries import interface as values
from release_tasks.registries.endpoints import EndpointField, Endpoints
from release_tasks.registries.http import Sleep

STORE_VAR = "RELEASE_TASKS_CRUMBS_STORE"
TOKEN_VAR = "CRUMBS_TOKEN"
# The withdrawal tool: refuses to run without its token, then moves the tarball aside.
_WITHDRAW = """
import os, pathlib, sys
assert os.environ.get("CRUMBS_TOKEN"), "no CRUMBS_TOKEN"
source = pathlib.Path(sys.argv[1])
(source.parent / "withdrawn").mkdir(exist_ok=True)
source.rename(source.parent / "withdrawn" / source.name)
"""


class Crumbs:
    """A registry kind written against the Protocol only (no shared defaults)."""

    name = "crumbs"
    label = "Crumbs"
    for_bindings = True
    ships_crate_source = False
    rendering_form = "a crumbs version X.Y.Z-P"
    endpoint_fields = (EndpointField(key="store", config_key="crumbs", variable=STORE_VAR,
                                     default="/nonexistent", trailing_slash=False),)
    trusted_publishing = "Crumbs has no trusted publishing"
    secret_variables = (TOKEN_VAR,)
    alias: str | None = None
    ci = values.CiSetup(environment="crumbs", secret="CRUMBS_TOKEN", secret_help="Crumbs token")
    withdraws_by_api = True
    can_undo_withdrawal = False
    # One tarball for every platform: no platform of its own, no file added to a version.
    platform_tags: Mapping[str, str] = {}
    adds_files = False

    def platforms_of_file(self, name: str, package: str, rendering: str) -> frozenset[str]:
        return frozenset()

    def platform_steps(self, platform: str) -> frozenset[str] | None:
        return None

    def platform_package(self, package: str, platform: str) -> str:
        return package

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        return (), ""

    def identify(self, ctx: values.PublishContext, path: Path) -> values.Artifact:
        raise UsageError(f"{path.name}: crumbs has no platforms to tell apart")

    def render(self, version: BindingVersion) -> str:
        return f"{version.core}-{version.patch_level}"

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        core, _, level = text.partition("-")
        return BindingVersion.parse(f"{core}.{level}", source)

    def check_grammar(self, text: str) -> None:
        self.sort_key(text)

    def sort_key(self, text: str) -> Any:
        core, _, level = text.partition("-")
        parts = [*core.split("."), level]
        if len(parts) != 4 or not all(p.isdigit() for p in parts):
            raise VersionError(f"{text!r} is not a crumbs version X.Y.Z-P")
        return tuple(int(p) for p in parts)

    def package_key(self, package: str) -> str:
        return package.lower()

    def endpoints(self, env: Mapping[str, str], given: Mapping[str, str]) -> Endpoints:
        # A directory, not a URL: this registry is the file system.
        store = env.get(STORE_VAR) or given.get("crumbs") or "/nonexistent"
        return Endpoints({"store": store})

    def versions(self, client: httpx.Client, endpoints: Endpoints, name: str, *,
                 sleep: Sleep = lambda seconds: None) -> list[str]:
        prefix = f"{name}-"
        return sorted(p.name.removeprefix(prefix).removesuffix(".tar.gz")
                      for p in Path(endpoints["store"]).glob(f"{name}-*.tar.gz"))

    def exists(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
               sleep: Sleep = lambda seconds: None) -> bool:
        return version in self.versions(client, endpoints, name)

    def files(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
              sleep: Sleep = lambda seconds: None) -> list[values.RemoteFile]:
        stored = Path(endpoints["store"]) / f"{name}-{version}.tar.gz"
        if not stored.is_file():
            return []
        sha = hashlib.sha256(stored.read_bytes()).hexdigest()
        return [values.RemoteFile(name=stored.name, digests={"sha256": sha})]

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[values.ToolEnv]:
        child = dict(env)
        if source and source != TOKEN_VAR and env.get(source):
            child[TOKEN_VAR] = env[source]
        return nullcontext(values.ToolEnv(env=child))

    def source_warnings(self, root: Path, binding: Binding) -> list[str]:
        return []

    def add_arguments(self, parser: argparse._ActionsContainer) -> None:
        parser.add_argument("--crumb-size", type=int, help="crumbs bindings: a test option")

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        size = getattr(args, "crumb_size", None)
        return {"crumb_size": size} if size else {}

    def check_tools(self, ctx: values.PublishContext) -> None:
        if not Path(ctx.endpoints["store"]).is_dir():
            raise UsageError(f"{STORE_VAR}: {ctx.endpoints['store']} is not a directory")

    def expected_files(self, ctx: values.PublishContext) -> list[values.ExpectedFile]:
        return [values.ExpectedFile(step="tarball",
                                    name=f"{ctx.binding.package}-{ctx.rendering}.tar.gz")]

    def build(self, ctx: values.PublishContext) -> values.Build:
        ctx.output_dir.mkdir(parents=True, exist_ok=True)
        tarball = ctx.output_dir / f"{ctx.binding.package}-{ctx.rendering}.tar.gz"
        with tarfile.open(tarball, "w:gz") as archive:
            archive.add(ctx.directory, arcname=f"{ctx.binding.package}-{ctx.rendering}")
        return values.Build(artifacts=(tarball,))

    def verify(self, ctx: values.PublishContext, build: values.Build) -> list[str]:
        wanted = f"{ctx.binding.package}-{ctx.rendering}.tar.gz"
        return [f"{a.name}: expected {wanted}" for a in build.artifacts if a.name != wanted]

    def describe(self, ctx: values.PublishContext, build: values.Build) -> str:
        return "\n".join(f"[dry-run] would drop {a.name} into {ctx.endpoints['store']}"
                         for a in build.artifacts)

    def upload(self, ctx: values.PublishContext, build: values.Build) -> None:
        with self.credential_env(ctx.upload_env(), ctx.credential(), ctx.endpoints) as tool:
            if not tool.env.get(TOKEN_VAR):
                raise UsageError("no crumbs token")
            for artifact in build.artifacts:
                (Path(ctx.endpoints["store"]) / artifact.name).write_bytes(artifact.read_bytes())

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        if undo or message is not None:
            raise UsageError("Crumbs withdraws for good and takes no message")

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        assert ctx.binding is not None
        endpoints = self.endpoints(ctx.env, ctx.given)
        rendering = self.render(BindingVersion.parse(ctx.version))
        tarball = Path(endpoints["store"]) / f"{ctx.binding.package}-{rendering}.tar.gz"
        command = values.Command(subject=tarball.name,
                          argv=(sys.executable, "-c", _WITHDRAW, str(tarball)))
        return replace(plan, commands=(command,), endpoints=endpoints,
                       how=f"{plan.credential} as {TOKEN_VAR}")

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        assert source.binding is not None
        return values.Snippet(component=source.binding.name, tool="crumbs", title="Crumbs",
                       code=f"crumbs fetch {source.url}@{source.ref}", notes=())
