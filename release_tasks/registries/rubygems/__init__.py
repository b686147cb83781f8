"""RubyGems: versions ``X.Y.Z.P`` as they are, ``gem push``, ``gem yank`` per platform build.

A (version, platform) pair can never be pushed twice, even after a yank, and RubyGems has no
un-yank: a withdrawn version is gone for good.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_tasks.errors import UsageError
from release_tasks.registries import interface as values
from release_tasks.registries import spellings
from release_tasks.registries.common import KindDefaults, ask_first, token_how
from release_tasks.registries.endpoints import EndpointField
from release_tasks.registries.lazy import lend
from release_tasks.registries.rubygems import order
from release_tasks.registries.rubygems import platforms as platform_names
from release_tasks.registries.trust import TrustSetup

if TYPE_CHECKING:
    from release_tasks.model.components import Binding
    from release_tasks.model.version import BindingVersion, CoreVersion

__all__ = ["KIND", "RubyGems", "equal", "exists", "files", "versions"]

_EXTENSIONS = r"\.\s*extensions\s*(?:=|<<|\.(?:push|concat))"
_INDEX = f"{__name__}.index"
_STEPS = (
    "- uses: ruby/setup-ruby@v1",
    "  with:",
    "    ruby-version: ${{ env.RUBY_VERSION }}",
    "- uses: dtolnay/rust-toolchain@stable  # rake compile builds the native library with cargo",
)


class RubyGems(KindDefaults):
    name = "rubygems"
    label = "RubyGems"
    binding_names = ("ruby", "rb")
    alias = "publish_ruby"
    index_module = _INDEX
    target_module = f"{__name__}.gem"
    token_variable = "GEM_HOST_API_KEY"
    secret_variables = ("GEM_HOST_API_KEY",)
    ships_crate_source = True
    platform_tags = platform_names.TAGS
    adds_files = True  # a new platform on an existing version, never one twice
    # rb-sys cross-builds gems in its docker images (rb-sys-dock, rake-compiler-dock), which
    # need a docker daemon and the images from Docker Hub: not something this tool runs.
    cross_tool = ("it builds each platform gem on a runner of that platform; a cross gem "
                  "needs rb-sys-dock's docker images, which this tool does not run")

    def platforms_of_file(self, name: str, package: str, rendering: str) -> frozenset[str]:
        return platform_names.platforms_of_file(name, package, rendering)

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        gemspecs = sorted(f for f in files if f.endswith(".gemspec")
                          and f.rpartition("/")[0] == directory)
        return platform_names.from_setup(read(f"{directory}/Rakefile"),
                                         [read(g) or "" for g in gemspecs])
    can_undo_withdrawal = False
    endpoint_fields = (EndpointField(key="host", config_key="rubygems",
                                     variable="RELEASE_TASKS_RUBYGEMS_HOST",
                                     default="https://rubygems.org", trailing_slash=False),)
    trusted_publishing = "RubyGems trusted publishing needs the gem's publisher configured on RubyGems"
    trust = TrustSetup(
        settings_url="https://rubygems.org/gems/{package}/trusted_publishers",
        pending_url="https://rubygems.org/profile/oidc/pending_trusted_publishers",
        provenance="a Sigstore attestation per gem (gem push --attestation, RubyGems 3.6+)",
        exchange_step=("- name: RubyGems API key (trusted publishing)", "  id: trusted",
                       "  uses: rubygems/configure-rubygems-credentials@v1.0.0"),
        exchange_input=("gem-server", "host"),
        setup_steps=("- name: RubyGems 3.6 or newer (gem push --attestation)",
                     "  run: gem update --system --no-document"))
    ci = values.CiSetup(environment="rubygems", secret="RUBYGEMS_API_KEY",
                        secret_help="RubyGems API key", steps=_STEPS,
                        env={"RUBY_VERSION": "3.3"}, artifact="gem")

    def render(self, version: BindingVersion) -> str:
        return spellings.gem(version)

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        return spellings.read_gem(text, source)

    def read_plain(self, text: str, source: str) -> CoreVersion:
        return spellings.read_plain_gem(text, source)

    def check_grammar(self, text: str) -> None:
        order.check_grammar(text)

    def sort_key(self, text: str) -> Any:
        return order.gem_key(text)

    # --- withdrawal: gem yank, every platform build of the version -------------------------

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        from release_tasks.model.version import BindingVersion

        if undo:
            assert binding is not None
            later = BindingVersion.parse(version).next_patch()
            raise UsageError(
                f"RubyGems has no un-yank: {binding.package} {version} cannot be restored or "
                f"pushed again. Publish a new version instead (e.g. {later}: "
                f"`nox -s release`, then `nox -s publish -- {binding.name} {later}`).")
        if message is not None:
            raise UsageError("--message: gem yank takes no message (it is for npm's "
                             "deprecation message and PyPI's yank reason)")

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        from release_tasks.registries.rubygems import index as gem_index

        assert ctx.binding is not None
        endpoints = self.endpoints(ctx.env, ctx.given)
        host, package, rendering = endpoints["host"], ctx.binding.package, ctx.version
        found, notes = ask_first(
            ctx.request,
            lambda sleep: gem_index.builds(ctx.http, endpoints, package, rendering, sleep=sleep),
            f"{package} {rendering} is not on RubyGems at {host} (never published, or already "
            "yanked): nothing to yank", [(rendering, "ruby")])
        commands = tuple(
            values.Command(subject=f"{package} {number} ({platform})",
                    argv=("gem", "yank", package, "-v", number, "--platform", platform,
                          "--host", host))
            for number, platform in found)
        return dataclasses.replace(
            plan, where=f"RubyGems ({host})", commands=commands, endpoints=endpoints,
            how=token_how(plan.credential, "gem", self.token_variable),
            notes=(*notes, "RubyGems has no un-yank: once yanked, this version cannot come "
                           "back."))

    # --- edge: Bundler's git source with glob: -----------------------------------------------

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        binding, reader = source.binding, source.reader
        assert binding is not None
        directory = binding.directory
        slug = github_slug(source.url)
        origin = f'github: "{slug}"' if slug else f'git: "{source.url}"'
        key = {"branch": "branch", "tag": "tag", "rev": "ref"}[source.ref_kind]
        code = (f'gem "{binding.package}", {origin}, {key}: "{source.ref}", '
                f'glob: "{directory}/*.gemspec"')
        notes = [f"`glob:` tells Bundler where the gemspec is. Without it Bundler looks only at "
                 f"the repository root and one directory below ({{,*,*/*}}.gemspec) and does not "
                 f"find {directory}/."]
        gemspecs = [n for n in reader.names(directory) if n.endswith(".gemspec")]
        texts = [reader.text(f"{directory}/{name}") or "" for name in gemspecs]
        if not gemspecs:
            notes.append(f"No gemspec was found in {directory}/ here: check the path.")
        elif any(re.search(_EXTENSIONS, text) for text in texts):
            notes.append("Bundler compiles the gem's native extension (spec.extensions) at "
                         "`bundle install`: that machine needs a Rust toolchain (cargo) and the "
                         "Ruby headers.")
        else:
            crate = f" -p {binding.crate}" if binding.crate else ""
            notes.append(
                "The gemspec declares no spec.extensions, so Bundler installs the Ruby files but "
                "does not build the native library. Build it in Bundler's checkout after "
                f"`bundle install`: `cd \"$(bundle info {binding.package} --path)\" && rake "
                f"compile` (needs a Rust toolchain: it runs cargo build --release{crate}). "
                "Declaring an rb_sys extension (extconf.rb) in spec.extensions makes Bundler do "
                "it.")
        return values.Snippet(component=binding.name, tool="bundler",
                       title=f"{binding.label} binding: {binding.package} (Gemfile)", code=code,
                       notes=tuple(notes))


KIND = RubyGems()


# The index client's functions, loaded with it when first asked for.
__getattr__ = lend(__name__, _INDEX, {"equal", "exists", "files", "versions"})


def github_slug(url: str) -> str | None:
    """``owner/repo`` of a github.com URL, else ``None``."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname == "github.com" and len(segments) == 2:
        return "/".join(segments)
    return None
