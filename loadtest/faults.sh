#!/usr/bin/env bash
# The full fault drill: 5,000 uploads at 100/s into an embedded broker while `clipguard serve`
# is killed with SIGKILL three times (once while it recovers) and the broker restarts once;
# exits non-zero unless every upload has exactly one decision or dead letter.
# Usage: loadtest/faults.sh [extra options of `clipguard loadtest faults`]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/clipguard" loadtest faults --events 5000 --rate 100 "$@"
