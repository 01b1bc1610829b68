#!/bin/sh
# Installs the Debian packages gradcalc builds and tests with, when any is missing.
# As root it runs apt-get; otherwise it prints the command to run.
set -eu

packages="pkg-config liblua5.4-dev lua5.4 libreadline-dev libopenblas-dev zlib1g-dev tmux clang-format"
# The data of day 2 (Fashion-MNIST, word lists): installed with the rest as
# root; otherwise only named, as gradcalc builds and its tests pass without them.
data_packages="dataset-fashion-mnist wamerican wfrench wngerman wspanish witalian"

missing_of() {
    out=""
    for p in $1; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$status" in
            *"install ok installed"*) ;;
            *) out="$out $p" ;;
        esac
    done
    echo "$out"
}
missing=$(missing_of "$packages")
missing_data=$(missing_of "$data_packages")

[ -z "$missing" ] && [ -z "$missing_data" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    [ -z "$missing" ] && exit 0
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: this is not a Debian system; install their equivalents by hand." >&2
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "$missing_data" ]; then
        echo "install-deps: the data sets of day 2 need:$missing_data" >&2
        echo "install-deps: run: sudo apt-get install -y$missing_data" >&2
    fi
    [ -z "$missing" ] && exit 0
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi

missing="$missing$missing_data"
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq --no-install-recommends $missing
