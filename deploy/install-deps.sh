#!/usr/bin/env bash
# Installs the host packages ClipGuard's tests use: Python with Pillow and NumPy (the
# reference implementation for preprocessing parity). Idempotent; needs root or sudo.
set -euo pipefail
need=()
/usr/bin/python3 -c "import PIL, numpy" 2>/dev/null || need+=(python3-pil python3-numpy)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
