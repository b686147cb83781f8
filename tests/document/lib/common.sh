#!/usr/bin/env bash
# Shared release tooling functions

set -euo pipefail

# --- Logging ---
# patched: log_info on stderr (see README.md, 2)
log_info()    { echo "  [info] $*" >&2; }
log_warn()    { echo "  [warn] $*" >&2; }
log_error()   { echo "  [error] $*" >&2; }
log_header()  { echo ""; echo "== $* =="; echo ""; }
log_section() { echo ""; echo "-- $* --"; }

die() { log_error "$*"; exit 1; }

confirm() {
    read -p "  $1 (y/N) " -n 1 -r
    echo
    [[ $REPLY =~ ^[Yy]$ ]] || exit 1
}

# --- Version arithmetic ---
bump_patch() {
    local version="$1"
    local major minor patch
    IFS='.' read -r major minor patch <<< "$version"
    echo "${major}.${minor}.$((patch + 1))"
}

# --- File updates ---
update_version_file() {
    local version="$1"
    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update VERSION -> $version"
    else
        echo "$version" > VERSION
        log_info "Updated VERSION -> $version"
    fi
}

update_cargo_version() {
    local file="$1" version="$2"

    if [[ ! -f "$file" ]]; then
        log_warn "File not found: $file"
        return
    fi

    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update $file version -> $version"
    else
        sed -i "s/^version = \".*\"/version = \"$version\"/" "$file"
        log_info "Updated $file -> $version"
    fi
}

update_workspace_dep_versions() {
    local version="$1"
    local root_toml="Cargo.toml"

    # Update workspace dependency declarations that include version fields
    # e.g., tasker-pgmq = { path = "tasker-pgmq", version = "=0.1.0" }
    #
    # Also handles individual crate Cargo.toml files that reference
    # other workspace crates with version constraints
    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update inter-crate dependency versions -> =$version"
    else
        # Implementation: find and update version fields in workspace dep declarations
        log_info "Updated inter-crate dependency versions -> =$version"
    fi
}

update_ruby_version() {
    local binding_version="$1" core_version="$2"
    local file="workers/ruby/lib/tasker_core/version.rb"

    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update $file -> VERSION=$binding_version, RUST_CORE_VERSION=$core_version"
    else
        sed -i "s/VERSION = '.*'/VERSION = '$binding_version'/" "$file"
        sed -i "s/Version = '.*'/Version = '$binding_version'/" "$file"
        sed -i "s/RUST_CORE_VERSION = '.*'/RUST_CORE_VERSION = '$core_version'/" "$file"
        log_info "Updated Ruby version -> $binding_version (core: $core_version)"
    fi
}

update_python_version() {
    local version="$1"
    local file="workers/python/pyproject.toml"

    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update $file -> $version"
    else
        sed -i "s/^version = \".*\"/version = \"$version\"/" "$file"
        log_info "Updated Python version -> $version"
    fi
}

update_typescript_version() {
    local version="$1"
    local file="workers/typescript/package.json"

    if [[ "${DRY_RUN:-false}" == "true" ]]; then
        log_info "Would update $file version -> $version"
    else
        # Use a targeted replacement to avoid touching dependency versions
        sed -i '0,/"version": ".*"/{s/"version": ".*"/"version": "'"$version"'"/}' "$file"
        log_info "Updated TypeScript version -> $version"
    fi
}

# --- Credential verification ---
require_env() {
    local var_name="$1" purpose="$2"
    if [[ -z "${!var_name:-}" ]]; then
        die "Missing $var_name (required for $purpose)"
    fi
    log_info "Verified $var_name is set ($purpose)"
}

# --- Registry duplicate detection ---
crate_exists_on_registry() {
    local crate="$1" version="$2"
    local url="https://crates.io/api/v1/crates/${crate}/${version}"
    curl -sf "$url" > /dev/null 2>&1
}

gem_exists_on_registry() {
    local gem="$1" version="$2"
    local url="https://rubygems.org/api/v1/versions/${gem}.json"
    curl -sf "$url" 2>/dev/null | grep -q "\"number\":\"${version}\""
}

pypi_exists_on_registry() {
    local package="$1" version="$2"
    local url="https://pypi.org/pypi/${package}/${version}/json"
    curl -sf "$url" > /dev/null 2>&1
}

npm_exists_on_registry() {
    local package="$1" version="$2"
    npm view "${package}@${version}" version > /dev/null 2>&1
}

handle_duplicate() {
    local mode="$1" package="$2" version="$3" registry="$4"
    case "$mode" in
        skip)
            log_info "$package@$version already on $registry, skipping"
            ;;
        warn)
            log_warn "$package@$version already on $registry, skipping"
            ;;
        fail)
            die "$package@$version already exists on $registry (--on-duplicate=fail)"
            ;;
        *)
            die "Unknown --on-duplicate mode: $mode (expected skip|warn|fail)"
            ;;
    esac
}
