#!/bin/sh
# Installs the Debian packages gradcalc builds and tests with, when any is missing.
# As root it runs apt-get; otherwise it prints the command to run.
set -eu

packages="pkg-config liblua5.4-dev lua5.4 libreadline-dev libopenblas-dev zlib1g-dev tmux clang-format
dataset-fashion-mnist wamerican wfrench wngerman wspanish witalian"

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: this is not a Debian system; install their equivalents by hand." >&2
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing
