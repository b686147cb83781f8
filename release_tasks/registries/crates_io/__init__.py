"""crates.io (or an alternative cargo registry): where the core crates go, ``X.Y.Z`` semver.

No binding publishes here: the crates are published phase by phase by ``publish_crates``
(:mod:`release_tasks.publish.crates.flow`), which asks this kind for the registry's version
list, the token's variable and the labels. Withdrawal is ``cargo yank`` of every crate of
the core (they version together), which ``--undo`` reverses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.errors import ReleaseError, UsageError
from release_tasks.log import get_logger
from release_tasks.registries import interface as values
from release_tasks.registries.common import (
    KindDefaults,
    mapped_env,
    semver_grammar,
    semver_key,
    token_how,
)
from release_tasks.registries.crates_io import cargo
from release_tasks.registries.crates_io.cargo import (
    cargo_index_var,
    cargo_token_var,
    make_endpoints,
    registry_label,
    resolve_registry,
)
from release_tasks.registries.endpoints import EndpointField, Endpoints
from release_tasks.registries.lazy import lend
from release_tasks.registries.trust import TrustSetup

if TYPE_CHECKING:
    from release_tasks.model.components import Binding, Config
    from release_tasks.registries.interface import Target

__all__ = ["KIND", "CratesIo", "Listed", "cargo_index_var", "cargo_token_var", "crate_file",
           "exists", "files", "index_config", "index_path", "listing", "make_endpoints",
           "parse_index_file", "registry_label", "resolve_registry", "versions"]

log = get_logger("crates")
_INDEX = f"{__name__}.index"


class NoBindings:
    """The target of crates.io: bindings never come here; the crates go phase by phase
    through ``publish_crates``."""

    def _refuse(self, ctx: values.PublishContext) -> UsageError:
        return UsageError(f"{ctx.binding.name}: a binding cannot publish to crates.io; the "
                          "core crates are published by publish_crates")

    def check_tools(self, ctx: values.PublishContext) -> None:
        raise self._refuse(ctx)

    def expected_files(self, ctx: values.PublishContext) -> list[values.ExpectedFile]:
        raise self._refuse(ctx)

    def build(self, ctx: values.PublishContext) -> values.Build:
        raise self._refuse(ctx)

    def verify(self, ctx: values.PublishContext, build: values.Build) -> list[str]:
        raise self._refuse(ctx)

    def describe(self, ctx: values.PublishContext, build: values.Build) -> str:
        raise self._refuse(ctx)

    def upload(self, ctx: values.PublishContext, build: values.Build) -> None:
        raise self._refuse(ctx)

    def identify(self, ctx: values.PublishContext, path: Path) -> values.Artifact:
        raise self._refuse(ctx)


class CratesIo(KindDefaults):
    name = cargo.NAME
    label = cargo.LABEL
    for_bindings = False
    index_module = _INDEX
    token_variable = "CARGO_REGISTRY_TOKEN"
    secret_variables = ("CARGO_REGISTRY_TOKEN", "CARGO_REGISTRIES_*_TOKEN")
    endpoint_fields = (EndpointField(key="api", config_key="crates-io", variable=None,
                                     default=cargo.CRATES_IO_API, trailing_slash=False),)
    trusted_publishing = ("crates.io trusted publishing works only for crates that already exist: "
                          "the first publish of a new crate needs a token")
    trust = TrustSetup(
        settings_url="https://crates.io/crates/{package}/settings", pending_url=None,
        provenance="none on crates.io: the job attests each .crate to the repository "
                   "(GitHub artifact attestations)",
        exchange_step=("- name: crates.io token (trusted publishing)", "  id: trusted",
                       "  uses: rust-lang/crates-io-auth-action@v1"),
        exchanged=("CARGO_REGISTRY_TOKEN", "steps.trusted.outputs.token"), token_fallback=True,
        exchange_input=("url", "api"),
        attested_files="target/package/*.crate")
    ci = values.CiSetup(environment="crates", secret="CARGO_REGISTRY_TOKEN",
                        secret_help="crates.io API token", artifact="crates",
                        steps=("- uses: dtolnay/rust-toolchain@stable",),
                        notes=("Trusted publishing works only for crates that already exist "
                               "on crates.io: a new crate's",
                               "first publish needs CARGO_REGISTRY_TOKEN."))

    @property
    def target(self) -> Target:
        return _NO_BINDINGS

    def check_grammar(self, text: str) -> None:
        semver_grammar(text, self.name)

    def sort_key(self, text: str) -> Any:
        return semver_key(text)

    def endpoints(self, env: Mapping[str, str], given: Mapping[str, str]) -> Endpoints:
        return cargo.endpoints(env, given)

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[values.ToolEnv]:
        target = cargo_token_var(endpoints.get("registry"))
        return nullcontext(values.ToolEnv(env=mapped_env(env, source, target)))

    # --- withdrawal: cargo yank of every crate ---------------------------------------------

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        if message is not None:
            raise UsageError("--message: cargo yank takes no message (it is for npm's "
                             "deprecation message and PyPI's yank reason)")

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        registry = resolve_registry(ctx.request.registry, ctx.env, ctx.config.core.cargo_registry)
        crates, left_out = yankable_crates(ctx)
        flags = ["--undo"] if ctx.request.undo else []
        flags += ["--registry", registry] if registry else []
        commands = tuple(values.Command(subject=crate, argv=("cargo", "yank", "--version", ctx.version,
                                                      *flags, crate)) for crate in crates)
        cwd = ctx.root / ctx.config.core.workspace
        notes = [f"In: {cwd}", *(f"Left out: {crate} (publish = false)" for crate in left_out)]
        return dataclasses.replace(
            plan, where=registry_label(registry), verb="un-yank" if ctx.request.undo else "yank",
            commands=commands, cwd=cwd, notes=tuple(notes),
            endpoints=Endpoints({"registry": registry} if registry else {}),
            undo_args=("--registry", registry) if registry else (),
            how=token_how(plan.credential, "cargo", cargo_token_var(registry)))

    # --- edge: a git dependency per crate ---------------------------------------------------

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        key = {"branch": "branch", "tag": "tag", "rev": "rev"}[source.ref_kind]
        lines = ["[dependencies]"] + [
            f'{crate} = {{ git = "{source.url}", {key} = "{source.ref}" }}'
            for crate in source.config.core.crates]
        return values.Snippet(component="core", tool="cargo", title="Rust crates (Cargo.toml)",
                       code="\n".join(lines), notes=(
            "List only the crates you use. Cargo finds each one by name in the repository's "
            "workspace.",
            "Take every one of these crates from this same git source and ref: mixing them "
            "with crates.io releases gives two copies of the shared types, which do not match.",
            "Cargo.lock records the commit; `cargo update` moves to the newest commit of the "
            f"{source.ref_kind}.",
        ))


def yankable_crates(ctx: values.WithdrawContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The core's crates, and those of them the manifests mark ``publish = false``."""
    from release_tasks.cargo import workspace

    config: Config = ctx.config
    try:
        members = {c.name: c for c in workspace.load(ctx.root, config.core.workspace).members}
    except ReleaseError as exc:
        log.warning("  cannot read the workspace (%s): every configured crate is tried", exc)
        return config.core.crates, ()
    left_out = tuple(c for c in config.core.crates if c in members and not members[c].publish)
    return tuple(c for c in config.core.crates if c not in left_out), left_out


_NO_BINDINGS = NoBindings()
KIND = CratesIo()


# The index client's functions, loaded with it when first asked for.
__getattr__ = lend(__name__, _INDEX, {"Listed", "crate_file", "exists", "files", "index_config",
                                     "index_path", "listing", "parse_index_file", "versions"})
