#!/usr/bin/env bash
# Installs the Debian packages bench/run.sh needs when any is missing (the peers run on Debian's /usr/bin/python3).
# Tries the install with the current package lists first and runs apt-get update only if that fails.
# Quiet on success; apt's output goes to stderr on failure. Exit status is apt's.
set -euo pipefail

packages=(python3-fastapi python3-uvicorn python3-flask gunicorn python3-httpx python3-requests python3-numpy
          python3-uvloop python3-httptools wrk python3-matplotlib)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo -n)
fi

echo "install-deps.sh: installing ${missing[*]}" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
install() {
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$log" 2>&1
}
if ! install; then
  "${sudo[@]}" apt-get update -o DPkg::Lock::Timeout=300 >>"$log" 2>&1 && install || { cat "$log" >&2; exit 1; }
fi
