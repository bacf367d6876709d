#!/usr/bin/env bash
# Run by `mvn verify` before the integration tests: the UI tests drive Debian's headless Chromium
# through its ChromeDriver (it/.../support/Browser.java uses these two paths). Installs them when
# missing, as root or with sudo.
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
echo "install-browser: installing Debian's chromium and chromium-driver for the UI tests" >&2
sudo_cmd=""
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-browser: need root or sudo to apt-get install chromium chromium-driver" >&2; exit 1; }
  sudo_cmd="sudo"
fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
