#!/usr/bin/env bash
# Update all version files across the workspace
# Usage: ./scripts/release/update-versions.sh --core 0.1.9 [--ruby 0.1.9.0] \
#        [--python 0.1.9.0] [--typescript 0.1.9.0] [--dry-run]

set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

# Parse arguments
CORE_VERSION=""
RUBY_VERSION=""
PYTHON_VERSION=""
TS_VERSION=""
DRY_RUN=false

while [[ $# -gt 0 ]]; do
    case $1 in
        --core) CORE_VERSION="$2"; shift 2 ;;
        --ruby) RUBY_VERSION="$2"; shift 2 ;;
        --python) PYTHON_VERSION="$2"; shift 2 ;;
        --typescript) TS_VERSION="$2"; shift 2 ;;
        --dry-run) DRY_RUN=true; shift ;;
        *) die "Unknown argument: $1" ;;
    esac
done

[[ -z "$CORE_VERSION" ]] && die \
    "Usage: $0 --core VERSION [--ruby VER] [--python VER] [--typescript VER] [--dry-run]"

# --- Core Rust crates ---
update_version_file "$CORE_VERSION"
update_cargo_version "Cargo.toml" "$CORE_VERSION"

for crate in tasker-pgmq tasker-shared tasker-client tasker-cli tasker-orchestration tasker-worker; do
    update_cargo_version "$crate/Cargo.toml" "$CORE_VERSION"
done

# Update inter-crate dependency versions in workspace deps
update_workspace_dep_versions "$CORE_VERSION"

# --- FFI Rust crates (not published to crates.io, but version should track) ---
for ffi_crate in workers/ruby/ext/tasker_core workers/python workers/typescript; do
    update_cargo_version "$ffi_crate/Cargo.toml" "$CORE_VERSION"
done

# --- Ruby ---
if [[ -n "$RUBY_VERSION" ]]; then
    update_ruby_version "$RUBY_VERSION" "$CORE_VERSION"
fi

# --- Python ---
if [[ -n "$PYTHON_VERSION" ]]; then
    update_python_version "$PYTHON_VERSION"
fi

# --- TypeScript ---
if [[ -n "$TS_VERSION" ]]; then
    update_typescript_version "$TS_VERSION"
fi
