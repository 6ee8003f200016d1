#!/usr/bin/env bash
# Prints the path of a Lua 5.4 interpreter (Argo CD runs resource health checks and actions in
# Lua 5.4, gopher-lua; deploy/argocd's tests run ours in a real one). Debian's lua5.4 package is
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache: no root install,
# nothing outside the cache changes. A fresh machine (CI) gets it the same way.
#   lua="$(scripts/ensure-lua.sh)" && "$lua" -v
set -euo pipefail
cache="${ROTOR_CACHE:-$HOME/.cache/rotor}/lua5.4"
wrapper="$cache/lua"

if [[ -x "$wrapper" && -f "$cache/.complete" ]]; then
  echo "$wrapper"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "ensure-lua.sh: needs apt-get and dpkg-deb (Debian/Ubuntu); or install Lua 5.4 and put lua5.4 on PATH" >&2
  exit 1
}
rm -rf "$cache" && mkdir -p "$cache/debs" "$cache/root"
download() { (cd "$cache/debs" && apt-get download "$@") >&2; }
# The interpreter and the library it links (the readline it also links is in every Debian base).
if ! download lua5.4 liblua5.4-0; then
  # A fresh machine may have no package lists yet.
  echo "ensure-lua.sh: apt-get download failed; refreshing the package lists (apt-get update) and retrying" >&2
  apt-get update -qq >&2
  download lua5.4 liblua5.4-0
fi
for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/root"; done
lua="$(find "$cache/root" -name lua5.4 -type f | head -n1)"
libdir="$(dirname "$(find "$cache/root" -name 'liblua5.4.so.0*' | head -n1)")"
[[ -x "$lua" ]] || { echo "ensure-lua.sh: no lua5.4 binary in the downloaded packages" >&2; exit 1; }
cat >"$wrapper" <<WRAP
#!/bin/sh
# Debian's lua5.4, unpacked by scripts/ensure-lua.sh; its library comes from the same cache.
LD_LIBRARY_PATH="$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$lua" "\$@"
WRAP
chmod +x "$wrapper"
"$wrapper" -v >&2
touch "$cache/.complete"
echo "$wrapper"
