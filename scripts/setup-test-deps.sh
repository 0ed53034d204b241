#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, from Debian's packages:
# - chromium: the browser tests drive it with playwright-core;
# - fonts-noto-cjk: Chinese pages render in screenshots;
# - ffmpeg: the maintained build the server prefers over the bundled one (README: Video);
# - postgresql, nginx-light, mariadb-server: real backing services that tests start as their
#   own instances in temp folders (packages/server/test/support/), never as system services.
# Idempotent: each binary or file is checked directly, and apt-get runs only when one is missing.
set -euo pipefail

has_postgres() {
  local bin
  for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/psql" ] && return 0
  done
  return 1
}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
{ [ -x /usr/bin/ffmpeg ] && [ -x /usr/bin/ffprobe ]; } || need+=(ffmpeg)
has_postgres || need+=(postgresql)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
{ [ -x /usr/sbin/mariadbd ] && [ -x /usr/bin/mariadb-install-db ] && [ -x /usr/bin/mariadb ]; } ||
  need+=(mariadb-server)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-test-deps: please install ${need[*]} with your package manager" \
    "(Chromium at /usr/bin/chromium, PostgreSQL under /usr/lib/postgresql/<version>/bin)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# The server packages would start their system services (PostgreSQL on 5432, MariaDB on 3306,
# nginx on 80) from their install scripts. A policy-rc.d that exits 101 ("action forbidden")
# stops invoke-rc.d and deb-systemd-invoke from starting anything; one already in place (as in
# most container images) is left alone, one made here is removed afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  trap '$sudo rm -f "$policy"' EXIT
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
fi

echo "setup-test-deps: installing ${need[*]} from Debian's packages"
# Through env: sudo does not pass the caller's environment on.
apt=($sudo env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get -qq)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${need[@]}" >/dev/null
