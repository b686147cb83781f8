"""The built-in Tasker layout: the config of a repository shaped like the design document's.

It applies only to a repository without ``release.toml`` whose tree has that shape (its core
crate directories and binding directories are tracked by git); any other repository must
describe itself, or its changes would be matched against paths it does not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from release_tasks.repository import Tree

SOURCE = "built-in Tasker layout"


def _tasker_default() -> dict[str, Any]:
    ffi = ["tasker-pgmq", "tasker-shared", "tasker-worker"]
    server = ["tasker-client", "tasker-orchestration", "tasker-cli"]
    bindings = ["ruby", "python", "typescript"]
    return {
        "project": {
            "name": "tasker-core",
            "repository": "https://github.com/tasker-systems/tasker-core",
            "main-branch": "main",
            "preflight": [
                ["cargo", "fmt", "--all", "--check"],
                ["cargo", "clippy", "--workspace", "--all-targets", "--locked", "--",
                 "-D", "warnings"],
                ["cargo", "test", "--workspace", "--locked"],
            ],
        },
        "core": {
            "version-file": "VERSION",
            "registry": "crates-io",
            "tag-prefix": "core-v",
            "credential": ["CARGO_REGISTRY_TOKEN"],
            "groups": {
                "ffi": {
                    "env-key": "FFI_CORE",
                    "label": "FFI-facing core",
                    "crates": ffi,
                    # The root manifest and lockfile change what every binding is built from.
                    "paths": [*ffi, "Cargo.toml", "Cargo.lock"],
                    "propagates-to": bindings,
                },
                "server": {
                    "env-key": "SERVER_CORE",
                    "label": "server/client core",
                    "crates": server,
                    "paths": server,
                },
            },
        },
        "bindings": {
            "ruby": {
                "directory": "workers/ruby",
                "registry": "rubygems",
                "package": "tasker-worker-rb",
                "crate": "tasker-worker-rb",
                "credential": ["GEM_HOST_API_KEY"],
                "version-files": [
                    {"path": "workers/ruby/lib/tasker_core/version.rb", "format": "ruby",
                     "key": "VERSION", "value": "binding"},
                    {"path": "workers/ruby/lib/tasker_core/version.rb", "format": "ruby",
                     "key": "RUST_CORE_VERSION", "value": "binding-core"},
                    {"path": "workers/ruby/ext/tasker_core/Cargo.toml", "format": "cargo",
                     "value": "core"},
                ],
            },
            "python": {
                "directory": "workers/python",
                "registry": "pypi",
                "package": "tasker-worker-py",
                "crate": "tasker-worker-py",
                "credential": ["MATURIN_PYPI_TOKEN", "PYPI_TOKEN"],
                "version-files": [
                    {"path": "workers/python/pyproject.toml", "format": "pyproject",
                     "value": "binding"},
                    {"path": "workers/python/Cargo.toml", "format": "cargo", "value": "core"},
                ],
            },
            "typescript": {
                "directory": "workers/typescript",
                "registry": "npm",
                "package": "@tasker-systems/worker",
                "crate": "tasker-worker-ts",
                "credential": ["NPM_TOKEN"],
                "version-files": [
                    {"path": "workers/typescript/package.json", "format": "package-json",
                     "value": "binding"},
                    {"path": "workers/typescript/Cargo.toml", "format": "cargo",
                     "value": "core"},
                ],
            },
        },
    }


#: The Tasker layout of the design document, as raw ``release.toml`` data.
DEFAULT_CONFIG: Mapping[str, Any] = _tasker_default()


def missing(tree: Tree) -> list[str]:
    """The directories of the layout (core crates, bindings) that ``tree`` does not have."""
    groups = DEFAULT_CONFIG["core"]["groups"].values()
    wanted = [*(c for g in groups for c in g["crates"]),
              *(b["directory"] for b in DEFAULT_CONFIG["bindings"].values())]
    return [d for d in wanted if not tree.is_directory(d)]
