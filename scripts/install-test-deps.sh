#!/bin/sh
# System packages the test suite needs on Debian/Ubuntu: Chromium for the browser-mode e2e tests
# (Playwright's own browser download is not used). Safe to run again; does nothing if present.
set -e
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
