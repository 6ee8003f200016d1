#!/usr/bin/env bash
# Prints the CHANGELOG.md section of one version (its body, without the heading), the text the
# release workflow uses as the GitHub release's notes. Fails, saying why, when the version has
# no dated section, so a tag cannot be published without its notes.
#   scripts/changelog-notes.sh VERSION [CHANGELOG.md]
set -euo pipefail
version="${1:?usage: $0 VERSION [CHANGELOG.md]}"
file="${2:-$(cd "$(dirname "$0")/.." && pwd)/CHANGELOG.md}"
notes="$(awk -v v="$version" '
  index($0, "## [" v "] - ") == 1 { on = 1; next }
  on && /^## \[/ { exit }
  on && /^\[[^]]+\]: / { exit }
  on { print }
' "$file")"
if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
  echo "changelog-notes: $file has no non-empty '## [$version] - YYYY-MM-DD' section" >&2
  exit 1
fi
# Trim the blank lines around the section.
printf '%s\n' "$notes" | sed -e '/./,$!d' | tac | sed -e '/./,$!d' | tac
