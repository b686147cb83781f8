"""What ``release.toml`` may say: every table and key, its type, default, allowed values and
meaning (:data:`TOP`).

This is the one source of the file's shape. The reader (:mod:`release_tasks.config.load`) takes
from it which keys each table allows and requires and what each defaults to, and reads each
key through the accessor of its kind, so it cannot accept a key that is not described here.
The JSON Schema that editors validate with (``release_tasks/data/release.schema.json``) and
the reference in CONFIG.md are generated from it by ``release-tasks schema --write``. A new
key is one :class:`~release_tasks.config.keys.Key` in its table's tuple.
"""

from __future__ import annotations

from release_tasks import registries as kinds
from release_tasks.config.keys import Key, Table
from release_tasks.model import platforms
from release_tasks.model.components import FILE_FORMATS, VALUE_KINDS
from release_tasks.model.version import SCHEMES

ENV_KEY = r"[A-Z][A-Z0-9_]*"
BINDING_NAME = r"[a-z][a-z0-9_-]*"

_CREDENTIAL = ("The environment variables the publish reads the registry token from, tried "
               "in order: the first one set is used.")
_TRUSTED = ("Allow the registry's trusted publishing (an OpenID Connect token of the CI job) "
            "when none of `credential` is set. `init` writes `true`: the generated workflow "
            "then passes the job no stored secret (on crates.io the token secret only "
            "publishes a new crate's first version), and `trust` says what to configure on "
            "the registry.")
_ENV_NAME = "the name upper-cased, `-` as `_` (`client-rb`: `CLIENT_RB`)"
_ENV_KEY_DOC = ("The stem of this component's keys in the output of `detect` and `versions` "
                "(`STEM_CHANGED`, `NEXT_STEM_VERSION`).")

PROJECT = Table(path="project", doc="The repository as a whole.", keys=(
    Key(name="name", kind="word", default="project", example="my-core",
        doc="The monorepo's name."),
    Key(name="repository", kind="word", example="https://github.com/acme/my-core",
        doc="The repository's web URL, which `edge` points dependencies at; without it, "
            "the `origin` remote's."),
    Key(name="main-branch", kind="word", default="main", example="main",
        doc="The branch releases are made from; `release` elsewhere asks first."),
    Key(name="release-tag-prefix", kind="word", default="release-", example="release-",
        doc="The start of the tag `release` puts on each release commit "
            "(`release-YYYYMMDD-HHMM`)."),
    Key(name="release-tag-patterns", kind="names", item="tag pattern", example=("release-*", "v*"),
        default_doc='`["RELEASE-TAG-PREFIX*", "v*"]`, with the `release-tag-prefix`',
        doc="Glob patterns of the tags that mark a release, the base of the next one's "
            "detection (releases made before adopting the tool included)."),
    Key(name="preflight", kind="commands", default=(), example=(("cargo", "test", "--locked"),),
        doc="The repository's own checks (format, lints, tests), each a command as a list of "
            "arguments, run from the top level (a `cargo` command in the core's `workspace` "
            "directory) by `preflight` and by CI before anything is "
            "published."),
))

GROUP = Table(path="core.groups.NAME", doc=(
    "A group of core crates whose changes have the same consequence: all of them release the "
    "core at its next version, and a group with `propagates-to` also releases those bindings "
    "(the FFI-facing crates the bindings are built from)."), keys=(
    Key(name="env-key", kind="string", default="{env_name}", pattern=ENV_KEY, default_doc=_ENV_NAME,
        hint="must be UPPER_SNAKE_CASE", example="FFI_CORE", doc=_ENV_KEY_DOC),
    Key(name="label", kind="string", default="{name}", example="FFI-facing core",
        doc="How reports name the group."),
    Key(name="crates", kind="names", item="crate name", required=True,
        example=("my-shared", "my-worker"),
        doc="The group's crates, by their cargo names; each crate is in one group."),
    Key(name="paths", kind="patterns", required=True,
        example=("my-shared", "my-worker", "Cargo.toml", "Cargo.lock"),
        doc="The files whose changes count as the group's: path patterns matched by whole "
            "path components (`*`, `?`, `**`), each matching a file git tracks."),
    Key(name="propagates-to", kind="strings", item="binding", default=(), example=("ruby",),
        doc="The bindings a change of the group also releases (at `X.Y.Z.0` on the new core)."),
))

CORE = Table(path="core", doc="The Rust crates that share one version `X.Y.Z`.", keys=(
    Key(name="version-file", kind="path", default="VERSION", example="VERSION",
        doc="The file that holds the core version, alone on its line."),
    Key(name="workspace", kind="string", default=".", example=".",
        doc="The directory of the core crates' Cargo workspace, relative to the top level."),
    Key(name="registry", kind="choice", default="crates-io", choices=kinds.core_kinds,
        choice_docs={"crates-io": "crates.io"}, example="crates-io",
        doc="Where the core crates are published."),
    Key(name="tag-prefix", kind="word", default="core-v", example="core-v",
        doc="The start of the tag of each core release (`core-vX.Y.Z`)."),
    Key(name="credential", kind="credential", default=("CARGO_REGISTRY_TOKEN",),
        example=("CARGO_REGISTRY_TOKEN",), doc=_CREDENTIAL),
    Key(name="trusted-publishing", kind="boolean", default=False, example=False, doc=_TRUSTED),
    Key(name="cargo-registry", kind="string", default="crates-io", pattern=r"[A-Za-z0-9_-]+",
        hint="is not a cargo registry name (letters, digits, `-` and `_`)", example="crates-io",
        doc="The cargo registry the core crates are published to, by cargo's name for it "
            "(`crates-io`: crates.io). Another one must be known to cargo "
            "(`CARGO_REGISTRIES_NAME_INDEX`, or `[registries.NAME] index` in "
            "`.cargo/config.toml`); `update` and `release` then write `registry = \"NAME\"` "
            "on every pin of a core crate. `--registry` and `RELEASE_TASKS_CARGO_REGISTRY` "
            "override it for one run."),
    Key(name="groups", kind="tables", required=True, table=GROUP, at_least_one=True,
        item="group of crates",
        doc="The groups of core crates, by name (`[core.groups.ffi]`); at least one."),
))

VERSION_FILE = Table(path="bindings.NAME.version-files[]", doc=(
    "One version field in one file: which file, how it is edited, which version it holds."), keys=(
    Key(name="path", kind="path", required=True, example="workers/ruby/lib/my/version.rb",
        doc="The file, relative to the top level."),
    Key(name="format", kind="choice", required=True, choices=FILE_FORMATS, example="ruby",
        choice_docs={
            "version": "a file that holds the version alone (`VERSION`)",
            "cargo": "`package.version` of a `Cargo.toml`",
            "ruby": "a Ruby constant (`VERSION = '...'`), named by `key`",
            "pyproject": "`project.version` of a `pyproject.toml`",
            "package-json": "the top-level `version` of a `package.json` (the npm rendering)",
            "package-json-platforms": "the `optionalDependencies` of a main `package.json` on "
                                      "its per-platform packages, named `NAME-*` (napi-rs)",
        }, doc="How the field is found and edited (format-preserving)."),
    Key(name="key", kind="string", pattern=ENV_KEY, hint="a Ruby constant name is required",
        only_with=("format", "ruby"), example="VERSION",
        doc='The Ruby constant; required with `format = "ruby"`, refused with any other.'),
    Key(name="value", kind="choice", required=True, choices=VALUE_KINDS, example="binding",
        choice_docs={
            "core": "the core version `X.Y.Z`",
            "binding": "the binding's own version `X.Y.Z.P` (one entry must hold it)",
            "binding-core": "the core part `X.Y.Z` of the binding's version",
        }, doc="Which version the field holds."),
))

BINDING = Table(path="bindings.NAME", doc=(
    "An FFI binding, published to one language registry at `X.Y.Z.P` (the core version and "
    "a patch level). A new binding is one more table: detection, versions and keys follow."),
    keys=(
    Key(name="env-key", kind="string", default="{env_name}", pattern=ENV_KEY, default_doc=_ENV_NAME,
        hint="must be UPPER_SNAKE_CASE", example="RUBY", doc=_ENV_KEY_DOC),
    Key(name="label", kind="string", default="{name}", example="Ruby",
        doc="How reports name the binding."),
    Key(name="directory", kind="path", required=True, example="workers/ruby",
        doc="The binding's directory, where its package is built."),
    Key(name="paths", kind="patterns", default_doc="`[DIRECTORY]`, the `directory`",
        example=("workers/ruby",),
        doc="The files whose changes release the binding (path patterns, as in a group)."),
    Key(name="registry", kind="choice", required=True, example="rubygems",
        choices=kinds.binding_kinds,
        choice_docs={"rubygems": "RubyGems (a gem)", "pypi": "PyPI (wheels built by maturin)",
                     "npm": "npm (a package packed by `npm pack`)"},
        doc="Where the binding is published."),
    Key(name="package", kind="word", required=True, example="my-worker-rb",
        doc="The package's name on its registry."),
    Key(name="crate", kind="word", example="my-worker-rb",
        doc="The binding's own cargo crate (the native library), built before the package "
            "where the registry needs it (`cargo build -p CRATE` for npm)."),
    Key(name="platforms", kind="choices", choices=tuple(platforms.PLATFORMS),
        choice_docs=platforms.DOCS, example=("linux-x86_64", "macos-arm64", "source"),
        default_doc="what the publish runner builds: its own platform, and `source` where "
                    "the registry has a source package",
        doc="The platforms the binding is published for, each built by its own job of the "
            "workflow's matrix, on a runner of that platform or, for a Linux platform its "
            "registry cross-builds (PyPI's and npm's, with zig), on `ubuntu-latest`: "
            "`publish --artifacts DIR` refuses a set that lacks one, has "
            "one twice, or has anything else, before the first upload. Each registry names "
            "them its own way (a wheel's manylinux/musllinux/macosx/win tag, a RubyGems "
            "platform such as `arm64-darwin`, an npm package per platform such as "
            "`NAME-linux-x64-gnu`); npm has no `source`. `init` writes what the binding's "
            "own setup says (`[tool.maturin]`, a gemspec's platform, napi's targets)."),
    Key(name="tag-prefix", kind="word", default="{name}-v", example="ruby-v",
        doc="The start of the tag of each release of the binding (`NAME-vX.Y.Z.P`)."),
    Key(name="credential", kind="credential", default=(), example=("GEM_HOST_API_KEY",),
        doc=_CREDENTIAL + " None: the publish needs no token."),
    Key(name="trusted-publishing", kind="boolean", default=False, example=False, doc=_TRUSTED),
    Key(name="versioning", kind="choice", default="two-tier", choices=SCHEMES, example="two-tier",
        choice_docs={
            "two-tier": "`X.Y.Z.P`: the core version it is built with and a patch level `P`",
            "lockstep": "the core's version itself, released with every core release (a "
                        "change of the binding alone releases the core too)",
            "independent": "its own `X.Y.Z`, a patch up when it changes or a core group that "
                           "propagates to it does",
        }, doc="How the binding's version is made (VERSIONING.md, \"Versioning schemes\")."),
    Key(name="version-files", kind="table-list", required=True, table=VERSION_FILE,
        doc="Every version field of the binding that a release writes."),
    Key(name="endpoints", kind="urls", choices=lambda: tuple(sorted(
            {f.key for kind in kinds.REGISTRIES.values() if kind.for_bindings
             for f in kind.endpoint_fields})),
        choice_docs=lambda: {f.key: f"{kind.label}: default `{f.default}`"
                             for kind in kinds.REGISTRIES.values() if kind.for_bindings
                             for f in kind.endpoint_fields},
        example={"host": "https://gems.example.com"},
        doc="This binding's own registry URLs, over `[registries]` (an npm binding on a "
            "private registry beside one on the public registry); the keys are its "
            "registry's. A `RELEASE_TASKS_*` variable set in the environment wins."),
))

def _registry_urls() -> dict[str, str]:
    """Every ``[registries]`` key, from the registry kinds' endpoint fields."""
    return {f.config_key: f"{kind.label} (default `{f.default}`)"
            for kind in kinds.REGISTRIES.values() for f in kind.endpoint_fields}


TOP = Table(path="", doc=(
    "`release.toml`, at the top level of the monorepo's git repository, says which components "
    "exist, which files belong to each, where a change propagates, which files carry each "
    "version, and where each component is published."), keys=(
    Key(name="project", kind="table", table=PROJECT, doc=PROJECT.doc),
    Key(name="core", kind="table", required=True, table=CORE, doc=CORE.doc),
    Key(name="bindings", kind="tables", table=BINDING, name_pattern=BINDING_NAME, item="binding",
        name_hint="must be lower-case (a-z, 0-9, -, _)",
        doc="The bindings, by name (`[bindings.ruby]`)."),
    Key(name="registries", kind="urls", choices=lambda: tuple(_registry_urls()),
        choice_docs=_registry_urls,
        example={"npm": "http://127.0.0.1:4873/"},
        doc="Where the registries are, for private or local ones; a `RELEASE_TASKS_*` "
            "variable set in the environment wins over these."),
))
