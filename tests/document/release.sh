#!/usr/bin/env bash
# Tasker release orchestrator
# Usage: ./scripts/release/release.sh [--dry-run]

set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

DRY_RUN=false
[[ "${1:-}" == "--dry-run" ]] && DRY_RUN=true

log_header "Tasker Release Manager"

# --- Pre-flight checks ---
log_section "Pre-flight checks"

if ! git diff-index --quiet HEAD --; then
    die "Uncommitted changes detected. Commit or stash first."
fi

BRANCH=$(git branch --show-current)
if [[ "$BRANCH" != "main" && "$DRY_RUN" == "false" ]]; then
    log_warn "On branch '$BRANCH', not 'main'"
    confirm "Continue anyway?"
fi

# --- Change detection ---
log_section "Detecting changes"
# patched: the scripts by their own directory (README.md, 4), here and below
eval "$("$(dirname "$0")/detect-changes.sh")"

# --- Version calculation ---
log_section "Calculating versions"
eval "$("$(dirname "$0")/calculate-versions.sh")"

# --- Summary ---
log_section "Release Summary"
echo ""
echo "  Core version:       $(cat VERSION) -> ${NEXT_CORE_VERSION}"
echo ""
echo "  Rust crates to publish:"
if [[ "$CORE_CHANGED" == "true" ]]; then
    echo "    Phase 1: tasker-pgmq"
    echo "    Phase 2: tasker-shared"
    echo "    Phase 3: tasker-client, tasker-orchestration"
    echo "    Phase 4: tasker-worker, tasker-cli"
else
    echo "    (none - no core changes detected)"
fi
echo ""
echo "  FFI bindings to publish:"
for lang in ruby python typescript; do
    LANG_UPPER="${lang^^}"
    VERSION_VAR="NEXT_${LANG_UPPER}_VERSION"
    if [[ "${!VERSION_VAR}" != "unchanged" ]]; then
        echo "    $lang: ${!VERSION_VAR}"
    else
        echo "    $lang: (unchanged)"
    fi
done

if [[ "$DRY_RUN" == "true" ]]; then
    echo ""
    log_info "DRY RUN -- no files modified, no tags created"

    # Show what files would change
    log_section "Files that would be modified"
    UPDATE_ARGS="--core $NEXT_CORE_VERSION --dry-run"
    [[ "${NEXT_RUBY_VERSION:-unchanged}" != "unchanged" ]] && \
        UPDATE_ARGS+=" --ruby $NEXT_RUBY_VERSION"
    [[ "${NEXT_PYTHON_VERSION:-unchanged}" != "unchanged" ]] && \
        UPDATE_ARGS+=" --python $NEXT_PYTHON_VERSION"
    [[ "${NEXT_TYPESCRIPT_VERSION:-unchanged}" != "unchanged" ]] && \
        UPDATE_ARGS+=" --typescript $NEXT_TYPESCRIPT_VERSION"

    "$(dirname "$0")/update-versions.sh" $UPDATE_ARGS
    exit 0
fi

# --- Apply changes ---
log_section "Updating version files"
UPDATE_ARGS="--core $NEXT_CORE_VERSION"
[[ "${NEXT_RUBY_VERSION:-unchanged}" != "unchanged" ]] && \
    UPDATE_ARGS+=" --ruby $NEXT_RUBY_VERSION"
[[ "${NEXT_PYTHON_VERSION:-unchanged}" != "unchanged" ]] && \
    UPDATE_ARGS+=" --python $NEXT_PYTHON_VERSION"
[[ "${NEXT_TYPESCRIPT_VERSION:-unchanged}" != "unchanged" ]] && \
    UPDATE_ARGS+=" --typescript $NEXT_TYPESCRIPT_VERSION"

"$(dirname "$0")/update-versions.sh" $UPDATE_ARGS

# --- Tag creation ---
TAG="release-$(date +%Y%m%d-%H%M)"
git tag "$TAG"

log_section "Ready"
echo "  Tag created: $TAG"
echo ""
echo "  To trigger CI release:"
echo "    git push origin $TAG"
echo ""
echo "  To abort:"
echo "    git tag -d $TAG"
