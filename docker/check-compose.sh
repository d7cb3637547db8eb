#!/usr/bin/env bash
# Validates a compose file with docker-compose's own parser (`docker-compose config -q`); no Docker
# engine needed. Installs Debian's docker-compose first when it is missing (needs root and apt).
# Usage: docker/check-compose.sh [compose-file]   (default: docker/docker-compose.yml)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
file="${1:-$here/docker-compose.yml}"

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "check-compose: docker-compose is not installed and cannot be installed here (needs root and apt-get);" \
         "install Debian's docker-compose package and run again" >&2
    exit 2
  fi
  echo "check-compose: installing Debian's docker-compose to validate $file" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >/dev/null 2>&1; then
    echo "check-compose: could not install docker-compose with apt-get (is the Debian mirror reachable?)" >&2
    exit 2
  fi
fi
# Variables the file expects from the user's environment get harmless values for the check.
PROBE_COUNTRY="${PROBE_COUNTRY:-ZZ}" PROBE_ASN="${PROBE_ASN:-AS0}" \
  docker-compose --project-directory "$here" -f "$file" config -q
