#!/bin/sh
# run.sh - the machine, then every gradcalc benchmark, then PyTorch's.
#
#   sh scripts/bench/run.sh [path/to/gradcalc]      (default ./gradcalc)
#
# It runs from the repository root (the scripts load scripts/bench/lib/). The
# load average is printed before and after: on a busy machine the figures
# move, so read them together with it. The longest is cnn_epoch.lua (an
# epoch of 60,000 images in two models, each beside PyTorch: minutes);
# GRADCALC_BENCH_IMAGES=6400 shortens it.

GRADCALC=${1:-${GRADCALC:-}}
# The first Python that imports torch: $PYTHON, python3 on the PATH, or
# Debian's own (apt-get install python3-torch installs for /usr/bin/python3).
if [ -z "${PYTHON:-}" ]; then
    for candidate in python3 /usr/bin/python3; do
        if "$candidate" -c "import torch" 2>/dev/null; then PYTHON=$candidate; break; fi
    done
    PYTHON=${PYTHON:-python3}
fi
case $GRADCALC in        # a path given from elsewhere must survive the cd
    "") ;;
    /*) ;;
    *) GRADCALC=$(cd "$(dirname "$GRADCALC")" && pwd)/$(basename "$GRADCALC") ;;
esac
cd "$(dirname "$0")/../.." || exit 1
GRADCALC=${GRADCALC:-./gradcalc}

if [ ! -x "$GRADCALC" ]; then
    echo "run.sh: no gradcalc at $GRADCALC (run make first, or pass its path)" >&2
    exit 1
fi

echo "== machine"
echo "date:     $(date '+%Y-%m-%d %H:%M:%S')"
echo "cores:    $(nproc)"
echo "cpu:      $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "openblas: $(pkg-config --modversion openblas 2>/dev/null || echo unknown)" \
     "(OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset})"
echo "gradcalc: $GRADCALC, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "load:     $(uptime | sed 's/.*load average/load average/')"

status=0
for bench in scripts/bench/*.lua; do
    echo
    echo "== $bench"
    "$GRADCALC" "$bench" || { echo "FAILED: $bench"; status=1; }
done

echo
echo "== scripts/bench/train_222_torch.py"
if "$PYTHON" -c "import torch" 2>/dev/null; then
    "$PYTHON" scripts/bench/train_222_torch.py || { echo "FAILED: train_222_torch.py"; status=1; }
else
    echo "PyTorch not installed: skipped (apt-get install python3-torch, or set PYTHON)"
fi

echo
echo "load:     $(uptime | sed 's/.*load average/load average/')"
exit $status
