#!/bin/sh
# Installs the Debian packages the report tests need when they are missing:
#   chromium + chromium-driver  headless browser for the HTML report screenshot test
#   poppler-utils               pdftotext, to read the PDF report back
# Run by `make test` (and so by CI). Needs root or passwordless sudo; otherwise it says
# what to install and the browser/PDF tests fail with the same message.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0
echo "installing test tools:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing; } >/tmp/m2m-apt.log 2>&1; then
  echo "could not install:$missing (see /tmp/m2m-apt.log); install them with apt-get" >&2
fi
exit 0
