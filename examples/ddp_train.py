"""Data-parallel training of a spiking network with PyTorch's DistributedDataParallel (DDP).

Run on one machine with two processes (CPU, gloo)::

    torchrun --standalone --nproc_per_node=2 examples/ddp_train.py --steps 5

or as one process (``python examples/ddp_train.py``), which trains on the whole batch. Every process
builds the same network from the same seed, takes its own slice of each global batch, and DDP
averages the gradients, so ``P`` processes with batch ``B`` each follow the same weights as one
process with batch ``P * B``. Neuron state (membrane potentials, OTTT traces) is per process: snnlab
keeps it in memories, never in buffers, so DDP does not broadcast it even with its default
``broadcast_buffers=True``. Reset it (``functional.reset_net``) before each batch as usual.

``--out FILE`` makes rank 0 save the final weights and every rank's last neuron state (``torch.save``).
"""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn

from snnlab import functional, layer, neuron


def build_network(seed: int = 0) -> nn.Module:
    """A multi-step network ``[T, N, 4] -> [T, N, 3]``: Linear, LIF, Linear, parametric LIF."""
    torch.manual_seed(seed)
    return nn.Sequential(
        layer.Linear(4, 16, step_mode="m"),
        neuron.LIFNode(tau=2.0, step_mode="m"),
        layer.Linear(16, 3, step_mode="m"),
        neuron.ParametricLIFNode(init_tau=2.0, step_mode="m"),
    )


def make_batches(steps: int, global_batch: int, T: int = 8, seed: int = 1) -> list:
    """``steps`` global batches ``(x_seq [T, global_batch, 4], labels [global_batch])``, the same on every rank."""
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.rand(T, global_batch, 4, generator=g) * 2, torch.randint(0, 3, (global_batch,), generator=g))
        for _ in range(steps)
    ]


def train(model: nn.Module, net: nn.Module, batches: list, rank: int, world_size: int, lr: float = 0.5) -> None:
    """SGD on this rank's slice of each batch; ``model`` is ``net`` or its DDP wrapper."""
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    for x_seq, labels in batches:
        size = labels.shape[0] // world_size
        part = slice(rank * size, (rank + 1) * size)
        functional.reset_net(net)
        optimizer.zero_grad()
        y_seq = model(x_seq[:, part])
        loss = functional.temporal_efficient_training_cross_entropy(y_seq, labels[part])
        loss.backward()  # under DDP: gradients averaged over ranks here
        optimizer.step()


def ottt_state_stays_local(rank: int) -> tuple:
    """Warm an OTTT network up, wrap it in DDP (default broadcast_buffers), step it on rank-specific input.

    Returns ``(v under DDP, v of the same steps without DDP)``: equal when no state was broadcast.
    """
    from torch.nn.parallel import DistributedDataParallel

    torch.manual_seed(0)
    net = layer.OTTTSequential(nn.Linear(4, 6), neuron.OTTTLIFNode(), nn.Linear(6, 2))
    alone = layer.OTTTSequential(nn.Linear(4, 6), neuron.OTTTLIFNode(), nn.Linear(6, 2))
    alone.load_state_dict(net.state_dict())
    g = torch.Generator().manual_seed(100 + rank)  # each rank sees its own input
    xs = [torch.rand(3, 4, generator=g) * 2 for _ in range(2)]
    net(xs[0])  # warm-up: v and trace exist when the model is wrapped
    alone(xs[0])
    ddp = DistributedDataParallel(net)
    ddp(xs[1]).sum().backward()
    alone(xs[1])
    return net[1].v.detach().clone(), alone[1].v.detach().clone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8, help="samples per process and step")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    distributed = world_size > 1
    if distributed:
        dist.init_process_group("gloo")  # MASTER_ADDR/PORT from torchrun; use "nccl" on GPUs
    torch.set_num_threads(1)

    net = build_network()
    model = nn.parallel.DistributedDataParallel(net) if distributed else net
    train(model, net, make_batches(args.steps, args.batch * world_size), rank, world_size)

    state = {name: m.v.detach().clone() for name, m in net.named_modules() if isinstance(m, neuron.BaseNode)}
    record = {"rank": rank, "state": state}
    if distributed:
        record["ottt"] = ottt_state_stays_local(rank)
        gathered = [None] * world_size
        dist.all_gather_object(gathered, record)
    else:
        gathered = [record]
    if rank == 0:
        weights = {k: v.detach().clone() for k, v in net.state_dict().items()}
        print(f"rank 0 of {world_size}: trained {args.steps} steps, batch {args.batch} per process")
        if args.out:
            torch.save({"world_size": world_size, "weights": weights, "ranks": gathered}, args.out)
    if distributed:
        # every rank reaches the end before any leaves: without it, a rank that tore its group down while rank 0
        # was still writing its file aborted in gloo's shutdown ("terminate called without an active
        # exception") in 2 of 25 runs on a 2-core machine
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
