#!/usr/bin/env bash
# Overload and soak: measures capacity, sends 1.5 times it for 20 minutes, prints lag, heap and
# RSS of the serve process every minute, drains the backlog and checks exactly-once.
# Usage: loadtest/soak.sh [extra options of `clipguard loadtest soak`, e.g. --minutes 5]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/clipguard" loadtest soak --minutes 20 --factor 1.5 "$@"
