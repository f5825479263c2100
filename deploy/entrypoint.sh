#!/bin/sh
# First start of a container on an empty data volume: put the pre-trained models (trained when
# the image was built, see the Dockerfile's `models` stage) in place, so models load at once.
set -eu
data="${HOMEIQ_DATA_DIR:-/data}"
mkdir -p "$data"
pretrained="${HOMEIQ_PRETRAINED_DIR:-/opt/homeiq/pretrained}"
if [ ! -e "$data/models/manifest.json" ] && [ -d "$pretrained/models" ]; then
    mkdir -p "$data/models" "$data/reports"
    cp -R "$pretrained/models/." "$data/models/"
    cp -R "$pretrained/reports/." "$data/reports/" 2>/dev/null || true
    echo "homeiq: pre-trained models copied to $data/models"
fi
exec "$@"
