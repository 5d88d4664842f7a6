#!/usr/bin/env bash
# Side-by-side gradient timing of the eight benchmark models: Stan (C++ log_prob_grad in a
# C++ loop), NumPyro (jit of a fori_loop of value_and_grad) and ours.
#
#   bench/peers/run.sh [--reps R] [--ms MILLIS] [MODEL ...]
#
# Needs python3 (with venv), a C++ compiler (g++) and cargo; creates bench/peers/.venv
# (git-ignored) and installs the peers from PyPI into it (set PEERS_VENV to use another
# venv). Builds go to bench/peers/.build, results to bench/peers/results (both git-ignored).
# Not part of CI: .ci/run does not depend on this script or on Python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PEERS_VENV:-$here/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import stan, httpstan, numpyro, jax" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --upgrade pip >&2
    "$venv/bin/python" -m pip install -q -r "$here/requirements.txt" >&2
fi
exec "$venv/bin/python" "$here/peers.py" "$@"
