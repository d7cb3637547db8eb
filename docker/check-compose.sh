#!/usr/bin/env bash
# Validates a compose file with docker-compose's own parser (`docker-compose config -q`); no Docker
# engine needed. Needs docker-compose on the PATH (Debian/Ubuntu: apt-get install docker-compose;
# see README, prerequisites); installs nothing itself.
# Usage: docker/check-compose.sh [compose-file]   (default: docker/docker-compose.yml)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
file="${1:-$here/docker-compose.yml}"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: docker-compose is not installed; install it (Debian/Ubuntu: apt-get install docker-compose)" \
       "and run again — the README lists it as a prerequisite of the test suite" >&2
  exit 2
fi
# Variables the files expect from the user's environment get harmless values for the check.
PROBE_COUNTRY="${PROBE_COUNTRY:-ZZ}" PROBE_ASN="${PROBE_ASN:-AS0}" \
KAFKA_PASSWORD="${KAFKA_PASSWORD:-check-kafka}" REGISTRY_PASSWORD="${REGISTRY_PASSWORD:-check-registry}" \
TLS_PASSWORD="${TLS_PASSWORD:-check-tls}" \
  docker-compose --project-directory "$here" -f "$file" config -q
