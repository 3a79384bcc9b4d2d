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
# there. Each stage has its own time limit (the benchmark 200 s, the tests 240 s), so a hang in one still leaves the others' logs. The exit
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
# The peer goes on the path of the benchmark alone: the tests' differential cases are written against
# SpikingJelly 0.0.0.0.14 and skip themselves when no SpikingJelly is importable.
peer_path="${PYTHONPATH:-}"
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl && peer_path="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi

{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    python3 -c "import sys, torch, triton; print('python', sys.version.split()[0], '| torch', torch.__version__,
                '| triton', triton.__version__, '| cuda', torch.cuda.is_available())"
} 2>&1 | tee "$out/device.txt"

status=0
# The benchmark table first (correctness against the torch backend included): it is what no CPU can give.
timeout 200 env PYTHONPATH="$peer_path" python3 benchmarks/gpu.py 2>&1 | tee "$out/gpu.txt" || status=1
# The core's tests: every CUDA case of the neurons, surrogates, layers and functional API. Each kernel
# variant is compiled on first use, so the tests run in parallel when pytest-xdist is there. (The sm_90
# build check is left to CI: it needs no GPU; so are the CPU tests against SpikingJelly 0.0.0.0.14.)
parallel=()
if python3 -c "import xdist" 2>/dev/null; then parallel=(-n 8); fi
timeout 240 python3 -m pytest -q -p no:cacheprovider -o addopts="" --timeout=200 "${parallel[@]}" \
    -k "not compiles_for_sm90 and not spikingjelly" --ignore=tests/audit/test_sj014_surface.py \
    tests/backends tests/functional tests/test_neuron.py tests/neuron tests/layer tests/audit tests/surrogate \
    tests/test_base.py tests/test_monitor.py tests/test_readme.py 2>&1 | tee "$out/tests.txt" || status=1
exit $status
