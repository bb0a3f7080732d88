#!/usr/bin/env bash
# Installs what ClipGuard's tests use from Debian, idempotently (Maven runs it before the
# tests; CI runs it too):
#  - Python with Pillow and NumPy: the reference implementation for preprocessing parity,
#    and libjpeg-turbo's cjpeg: an independent encoder for JPEG test files;
#  - Debian's Chromium and ChromeDriver: the real browser the policy-editor test drives
#    headless (no test tool downloads a browser);
#  - real photographs for parity and benchmarks: the public-domain sample images that
#    Debian's python3-skimage package ships, unpacked (not installed) into .cache/photos.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
updated=""
apt_update() { [ -n "$updated" ] || { $SUDO apt-get update -qq; updated=1; }; }

if ! /usr/bin/python3 -c "import PIL, numpy" 2>/dev/null || ! command -v cjpeg >/dev/null; then
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    python3-pil python3-numpy libjpeg-turbo-progs
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi

photos=.cache/photos
if [ ! -f "$photos/.complete" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && { apt-get download python3-skimage >/dev/null 2>&1 || { apt_update; apt-get download python3-skimage >/dev/null; }; })
  dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  mkdir -p "$photos"
  for f in astronaut.png chelsea.png coffee.png motorcycle_left.png brick.png grass.png gravel.png hubble_deep_field.jpg; do
    cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/$f" "$photos/"
  done
  touch "$photos/.complete"
fi
