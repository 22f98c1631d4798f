#!/usr/bin/env bash
# Installs what Groundwork's scale-out mode needs on Debian 12 (bookworm), when missing: PostgreSQL 15 with the
# pgvector extension, and Redis. Used by .ci/run (for the PostgreSQL and Redis tests) and by deploy/try-out.sh.
#
# pgvector is not packaged for bookworm. Debian's source package (0.8.0, in trixie) builds against bookworm's
# postgresql-server-dev-15: a deb-src entry for trixie (the same mirror and keyring as the bookworm entry; source
# only, so no trixie binary package can be installed by it) lets `apt-get source pgvector` fetch it, and
# `make && make install` with PostgreSQL 15's pg_config puts it into /usr/share/postgresql/15 and /usr/lib/postgresql/15.
#
# Idempotent: quiet and quick when everything is there. Needs root or passwordless sudo. Exit status: non-zero when an
# install step failed (apt's or make's output on stderr).
set -euo pipefail

pg_version=15
pg_config=/usr/lib/postgresql/$pg_version/bin/pg_config
packages=(postgresql-$pg_version postgresql-server-dev-$pg_version redis-server make gcc dpkg-dev)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deploy/install-deps.sh: not root and no sudo" >&2; exit 1; }
  sudo=(sudo -n)
fi
apt_get() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@"; }

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deploy/install-deps.sh: installing ${missing[*]}" >&2
  # The package lists may be stale on a fresh machine: update only when the install fails without it.
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { apt_get update -qq >&2 && apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
fi

extension_dir=$("$pg_config" --sharedir)/extension
if [ ! -f "$extension_dir/vector.control" ]; then
  echo "deploy/install-deps.sh: building pgvector from Debian's source package (trixie) for PostgreSQL $pg_version" >&2
  sources=/etc/apt/sources.list.d/groundwork-trixie-src.sources
  if [ ! -f "$sources" ]; then
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: trixie' 'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | "${sudo[@]}" tee "$sources" >/dev/null
  fi
  apt_get update -qq >&2
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  (cd "$build" && apt-get source -qq pgvector >&2)
  source_dir=$(find "$build" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  [ -n "$source_dir" ] || { echo "deploy/install-deps.sh: apt-get source pgvector gave no source folder" >&2; exit 1; }
  # OPTFLAGS="" leaves out -march=native, so the build runs on any x86-64 machine, not only the one that built it.
  make -C "$source_dir" -s PG_CONFIG="$pg_config" OPTFLAGS="" >&2
  "${sudo[@]}" make -C "$source_dir" -s PG_CONFIG="$pg_config" install >&2
fi
