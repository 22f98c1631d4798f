#!/bin/sh
# Regenerates bench/eval/corpus/ from the Debian 12 man pages and READMEs installed on this
# machine. Idempotent: every run rewrites the same files from the same sources.
# Man pages: rendered at 100 columns with man-db in the C locale (ASCII: plain hyphens and
# quotes), without hyphenation (--nh) and without justification (--nj) so that words are not
# split across lines and spaces are not doubled; overstrikes removed by col -bx.
# READMEs: copied (decompressed when gzipped); .md stays .md, anything else becomes .txt.
set -eu
cd "$(dirname "$0")"
out=corpus
mkdir -p "$out"
export LC_ALL=C MANWIDTH=100
unset MANPAGER PAGER MANOPT MAN_KEEP_FORMATTING 2>/dev/null || true

# section page
MANPAGES='
1 tar
1 gzip
1 bzip2
1 zstd
1 unzip
1 grep
1 sed
1 mawk
1 patch
1 xargs
8 ss
8 ip
5 resolv.conf
5 nsswitch.conf
1 ssh
1 ssh-keygen
1 sftp
1 git-commit
1 git-merge
1 git-stash
1 git-bisect
1 git-worktree
5 systemd.timer
5 systemd.socket
1 journalctl
5 journald.conf
1 timedatectl
8 apt-get
8 apt-cache
1 dpkg
5 sources.list
5 apt_preferences
1 make
1 ar
1 readelf
1 chattr
7 credentials
8 useradd
5 login.defs
1 ps
7 signal
1 file
'

# package/README-file  corpus-name
READMES='
zstd/README.md.gz zstd.README.md
man-db/README.md.gz man-db.README.md
apt/README.md.gz apt.README.md
coreutils/README.gz coreutils.README.txt
make/README.gz make.README.txt
systemd/README.gz systemd.README.txt
libpng16-16/README.gz libpng.README.txt
xz-utils/README.gz xz-utils.README.txt
openssh-client/README.Debian.gz openssh-client.README.Debian.txt
adduser/README.gz adduser.README.txt
'

echo "$MANPAGES" | while read -r sec page; do
  [ -n "$sec" ] || continue
  f="$out/$page.$sec.txt"
  man --nh --nj -P cat "$sec" "$page" 2>/dev/null | col -bx > "$f.tmp"
  if [ ! -s "$f.tmp" ] || grep -q "$(printf '\b')" "$f.tmp"; then
    echo "bad rendering: $sec $page" >&2; rm -f "$f.tmp"; exit 1
  fi
  mv "$f.tmp" "$f"
done

echo "$READMES" | while read -r src name; do
  [ -n "$src" ] || continue
  case "$src" in
    *.gz) zcat "/usr/share/doc/$src" > "$out/$name" ;;
    *) cat "/usr/share/doc/$src" > "$out/$name" ;;
  esac
done

ls "$out" | grep -v '^\.' | wc -l | sed 's/$/ corpus files/'
du -cb "$out"/* | tail -1
