#!/usr/bin/env bash
# Detect what changed since last release
# Usage: ./scripts/release/detect-changes.sh [--from TAG]
# Output: KEY=VALUE pairs for each component

set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

LAST_TAG=${FROM:-$(git describe --tags --match 'release-*' --abbrev=0 HEAD 2>/dev/null || \
                   git describe --tags --match 'v*' --abbrev=0 HEAD 2>/dev/null || \
                   git rev-list --max-parents=0 HEAD)}

log_info "Comparing HEAD to $LAST_TAG"

CHANGED_FILES=$(git diff "$LAST_TAG" HEAD --name-only)

# patched: each test sets the variable it echoes (README.md, 1), and reads the file list
# from a here-string instead of `echo | grep -q` (README.md, 3).

# FFI-facing core (triggers FFI rebuilds)
if grep -qE '^(tasker-pgmq|tasker-shared|tasker-worker)/' <<< "$CHANGED_FILES"; then
    FFI_CORE_CHANGED=true
else
    FFI_CORE_CHANGED=false
fi
echo "FFI_CORE_CHANGED=$FFI_CORE_CHANGED"

# Server/client core (no FFI rebuild needed)
if grep -qE '^(tasker-orchestration|tasker-client|tasker-cli)/' <<< "$CHANGED_FILES"; then
    SERVER_CORE_CHANGED=true
else
    SERVER_CORE_CHANGED=false
fi
echo "SERVER_CORE_CHANGED=$SERVER_CORE_CHANGED"

# Any core change = all Rust crates publish
if [[ "$FFI_CORE_CHANGED" == "true" || "$SERVER_CORE_CHANGED" == "true" ]]; then
    echo "CORE_CHANGED=true"
else
    echo "CORE_CHANGED=false"
fi

# Language bindings (only relevant if FFI core did NOT change)
for lang in ruby python typescript; do
    if grep -qE "^workers/$lang/" <<< "$CHANGED_FILES"; then
        echo "${lang^^}_CHANGED=true"
    else
        echo "${lang^^}_CHANGED=false"
    fi
done
