#!/usr/bin/env bash
# The deployment topology test (Postgres + code server + daemon + webserver) starts a private
# PostgreSQL cluster from Debian's server binaries. Install them when they are missing: as root
# (CI, a fresh machine) with apt-get; otherwise say what to install.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL server binaries are missing: run 'sudo apt-get install -y postgresql'" >&2
    exit 1
fi
echo "installing PostgreSQL (Debian's postgresql package) for the deployment tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
