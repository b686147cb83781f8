#!/usr/bin/env bash
# Calculate next version numbers
# Usage: ./scripts/release/calculate-versions.sh
# Reads: VERSION file, git tags, detect-changes.sh output
# Output: KEY=VALUE pairs with next versions

set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

CURRENT_CORE=$(cat VERSION)

# Source change detection
# patched: by the script's own directory (README.md, 4)
eval "$("$(dirname "$0")/detect-changes.sh")"

if [[ "$CORE_CHANGED" == "true" ]]; then
    # Bump core patch: 0.1.8 -> 0.1.9
    NEXT_CORE=$(bump_patch "$CURRENT_CORE")
else
    NEXT_CORE="$CURRENT_CORE"
fi
echo "NEXT_CORE_VERSION=$NEXT_CORE"

# Calculate FFI binding versions
for lang in ruby python typescript; do
    LANG_UPPER="${lang^^}"
    LANG_CHANGED_VAR="${LANG_UPPER}_CHANGED"

    if [[ "$FFI_CORE_CHANGED" == "true" ]]; then
        # Core changed: reset binding patch to .0
        echo "NEXT_${LANG_UPPER}_VERSION=${NEXT_CORE}.0"
    elif [[ "${!LANG_CHANGED_VAR}" == "true" ]]; then
        # Binding-only change: increment .P
        LAST_TAG=$(git tag -l "${lang}-v*" --sort=-version:refname | head -n1)
        if [[ -n "$LAST_TAG" && "$LAST_TAG" =~ ${lang}-v([0-9]+\.[0-9]+\.[0-9]+)\.([0-9]+) ]]; then
            PATCH=$(( ${BASH_REMATCH[2]} + 1 ))
            echo "NEXT_${LANG_UPPER}_VERSION=${CURRENT_CORE}.${PATCH}"
        else
            echo "NEXT_${LANG_UPPER}_VERSION=${CURRENT_CORE}.0"
        fi
    else
        echo "NEXT_${LANG_UPPER}_VERSION=unchanged"
    fi
done
