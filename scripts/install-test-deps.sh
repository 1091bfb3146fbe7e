#!/bin/sh
# System packages the test suite uses on Debian/Ubuntu: Chromium for the browser-mode e2e tests
# (Playwright's own browser download is not used) and python3-onnx, whose onnx.checker validates
# our exported models (that test is skipped without it). Safe to run again: installs only what
# is missing.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || missing="$missing python3-onnx"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
