#!/bin/sh
# System packages the test suite uses on Debian/Ubuntu: Chromium for the browser-mode e2e tests
# (Playwright's own browser download is not used), python3-onnx, whose onnx.checker validates
# our exported models, python3-numpy and python3-torch, which read exported datasets and run the
# PyTorch recipe's round trip (engine/recipes/), and sox + lame, which make the FLAC/OGG/MP3 files the decoder tests read.
# slurm-wlm and munge run recipes/slurm on a one-node cluster started by scripts/test-slurm.sh.
# Under CI a test whose tool is missing fails instead of skipping (engine/testing/tools.ts), so every
# tool a test uses must be listed here. Safe to run again: installs only what is missing.
set -e
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || missing="$missing python3-onnx"
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || missing="$missing python3-numpy"
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing="$missing python3-torch"
command -v sox >/dev/null 2>&1 || missing="$missing sox"
command -v lame >/dev/null 2>&1 || missing="$missing lame"
command -v slurmctld >/dev/null 2>&1 || missing="$missing slurm-wlm"
command -v munged >/dev/null 2>&1 || missing="$missing munge"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
