"""examples/ddp_train.py under torchrun: 2 ranks x batch B follow 1 process x batch 2B; state stays per rank."""

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.testing import assert_close

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "ddp_train.py"
STEPS, BATCH = 3, 4


def _load_example():
    spec = importlib.util.spec_from_file_location("ddp_train_example", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "result.pt"
    env = dict(os.environ, OMP_NUM_THREADS="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--nproc_per_node=2",
        "--master_addr=127.0.0.1",
        f"--master_port={env['MASTER_PORT']}",
        str(SCRIPT),
        f"--steps={STEPS}",
        f"--batch={BATCH}",
        f"--out={out}",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return torch.load(out, weights_only=False)


def test_two_ranks_follow_one_process_with_the_double_batch(two_ranks):
    example = _load_example()
    net = example.build_network()
    example.train(net, net, example.make_batches(STEPS, 2 * BATCH), rank=0, world_size=1)
    assert two_ranks["world_size"] == 2
    expected = net.state_dict()
    assert set(two_ranks["weights"]) == set(expected)
    initial = example.build_network().state_dict()
    for name, value in expected.items():
        assert not torch.equal(value, initial[name]), name  # training moved every weight
        assert_close(two_ranks["weights"][name], value, rtol=1e-5, atol=1e-6, msg=name)


def test_neuron_state_stays_per_rank(two_ranks):
    rank0, rank1 = sorted(two_ranks["ranks"], key=lambda r: r["rank"])
    for name in rank0["state"]:  # LIF and PLIF potentials: each rank ran on its own half of the batch
        assert rank0["state"][name].shape == (BATCH, rank0["state"][name].shape[-1])
        assert not torch.equal(rank0["state"][name], rank1["state"][name]), name
    for record in (rank0, rank1):  # OTTT: v existed when DDP wrapped the net; no broadcast overwrote it
        under_ddp, alone = record["ottt"]
        assert_close(under_ddp, alone, rtol=0, atol=0)
    assert not torch.equal(rank0["ottt"][0], rank1["ottt"][0])
