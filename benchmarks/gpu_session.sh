#!/usr/bin/env bash
# One GPU run for the Triton backend: the core's tests on CUDA, then benchmarks/gpu.py, logged to files.
#
# On a machine with network access, once per checkout (SpikingJelly 2.0, the peer timed beside snnlab,
# is pure Python; it needs loguru, which GPU images often lack):
#     bash benchmarks/gpu_session.sh --fetch-wheels      # writes .whl/ (ignored by git)
# On the GPU machine, from the repository root, with .whl/ beside it:
#     bash benchmarks/gpu_session.sh                     # logs to $OUT (or /tmp/gpu-session)
#
# The GPU machine needs python3 with torch, triton, numpy, pytest and hypothesis; nothing is downloaded
# there. Each stage has its own time limit, so a hang in one still leaves the others' logs. The exit
# status is non-zero when a stage fails.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--fetch-wheels" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: -d .whl "spikingjelly==2.0.0" "loguru==0.7.3"
    ls -l .whl
    exit
fi

out="${OUT:-/tmp/gpu-session}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl && export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi

{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    python3 -c "import sys, torch, triton; print('python', sys.version.split()[0], '| torch', torch.__version__,
                '| triton', triton.__version__, '| cuda', torch.cuda.is_available())"
} 2>&1 | tee "$out/device.txt"

status=0
# The core's tests: every CUDA case of the neurons, layers and functional API. Each kernel variant is
# compiled on first use, so the tests run in parallel when pytest-xdist is there. (The sm_90 build
# check is left to CI: it needs no GPU.)
parallel=()
if python3 -c "import xdist" 2>/dev/null; then parallel=(-n 8); fi
timeout 240 python3 -m pytest -q -p no:cacheprovider -o addopts="" --timeout=200 "${parallel[@]}" \
    -k "not compiles_for_sm90" \
    tests/backends tests/functional tests/test_neuron.py tests/layer tests/audit tests/test_surrogate.py \
    tests/test_base.py tests/test_monitor.py tests/test_readme.py 2>&1 | tee "$out/tests.txt" || status=1
# The benchmark table (correctness against the torch backend included).
timeout 240 python3 benchmarks/gpu.py 2>&1 | tee "$out/gpu.txt" || status=1
exit $status
