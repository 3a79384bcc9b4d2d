#!/usr/bin/env bash
# One GPU run: benchmarks/gpu.py, the core's tests on CUDA, then the figures' and panels' tests, logged to files.
#
# On a machine with network access, once per checkout (SpikingJelly 2.0, the peer timed beside snnlab,
# is pure Python; it needs loguru, which GPU images often lack; the widget tests need Jupyter's packages):
#     bash benchmarks/gpu_session.sh --fetch-wheels      # writes .whl/ (ignored by git)
# On the GPU machine, from the repository root, with .whl/ beside it:
#     bash benchmarks/gpu_session.sh                     # logs to $OUT (or /tmp/gpu-session)
#
# The GPU machine needs python3 with torch, triton, numpy, pytest and hypothesis; nothing is downloaded
# there. Each stage has its own time limit (the benchmark 200 s, the core's tests 240 s, the widgets' 200 s),
# so a hang in one still leaves the others' logs. The exit status is non-zero when a stage fails.
set -uo pipefail
cd "$(dirname "$0")/.."

# The Jupyter stack the widget tests need and the GPU image lacks (its Python is 3.12), pinned as tested there.
WIDGET_WHEELS=(anywidget==0.11.0 asttokens==3.0.2 comm==0.2.3 executing==2.3.0 ipython==9.18.1
    ipython-pygments-lexers==1.1.1 ipywidgets==8.1.9 jedi==0.20.1 jupyterlab-widgets==3.0.17
    matplotlib-inline==0.2.2 parso==0.8.7 pexpect==4.9.0 plotly==7.1.0 prompt-toolkit==3.0.53 psygnal==0.16.1
    ptyprocess==0.7.0 pure-eval==0.2.4 stack-data==0.6.3 traitlets==5.16.1 wcwidth==0.9.4
    widgetsnbextension==4.0.16)

if [ "${1:-}" = "--fetch-wheels" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: -d .whl "spikingjelly==2.0.0" "loguru==0.7.3"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl/widgets "${WIDGET_WHEELS[@]}"
    ls -l .whl .whl/widgets
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
widget_path=""
if ls .whl/widgets/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/widgets-site \
        .whl/widgets/*.whl && widget_path="/tmp/widgets-site${PYTHONPATH:+:$PYTHONPATH}"
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
# The figures, panels and trainers on CUDA (their CUDA cases, and panels that default to the GPU), when the
# Jupyter wheels came along.
if [ -n "$widget_path" ]; then
    timeout 200 env PYTHONPATH="$widget_path" python3 -m pytest -q -p no:cacheprovider -o addopts="" \
        -m "not browser" --timeout=150 "${parallel[@]}" -k "not spikingjelly" \
        tests/viz tests/widgets tests/training 2>&1 | tee "$out/widgets.txt" || status=1
fi
exit $status
