"""Runs SpikingJelly 2.x in its own process (it cannot share an environment with SpikingJelly 0.0.0.0.14).

Usage, with ``PYTHONPATH`` pointing at the SpikingJelly 2 install::

    python sj2_worker.py export OUT_DIR DT DECAY_INPUT   # build, run and export a small network
    python sj2_worker.py run NIR_FILE DT INPUT.pt OUT.pt # import a NIR file with SpikingJelly 2 and run it
    python sj2_worker.py debug STEP_MODE                 # open a SpikingJelly 2 network in the SpikeDebugger

``export`` writes ``OUT_DIR/sj2.nir``, ``OUT_DIR/x.pt`` and ``OUT_DIR/spikes.pt`` (a dict of the spike
trains ``[T, N, *]`` of each spiking layer, by NIR node name). ``run`` saves the network's output spikes.
"""

import sys


def _spiking_outputs(net, x_seq, spiking_types):
    """Run ``x_seq`` through ``net`` in multi-step mode; record each spiking module's output by name."""
    import torch

    records, hooks = {}, []
    for name, module in net.named_modules():
        if isinstance(module, spiking_types):
            hooks.append(module.register_forward_hook(lambda m, i, o, name=name: records.__setitem__(name, o.detach())))
    with torch.no_grad():
        out = net(x_seq)
    for h in hooks:
        h.remove()
    return out, records


def export(out_dir: str, dt: float, decay_input: bool) -> None:
    import nir
    import torch
    from spikingjelly.activation_based import functional, layer, neuron
    from spikingjelly.activation_based.nir_exchange import export_to_nir

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        layer.Conv2d(2, 4, 3, padding=1),
        neuron.LIFNode(tau=2.5, decay_input=decay_input, v_reset=0.0),
        layer.AvgPool2d(2),
        layer.Flatten(),
        layer.Linear(64, 12),
        neuron.IFNode(v_reset=0.0),
        layer.Linear(12, 5),
        neuron.LIFNode(tau=3.0, decay_input=decay_input, v_reset=0.0),
    )
    with torch.no_grad():
        net[0].weight.mul_(4.0)
        net[4].weight.mul_(3.0)
        net[6].weight.abs_().mul_(6.0)
    functional.set_step_mode(net, "m")
    x_seq = (torch.rand(40, 3, 2, 8, 8) * 1.5).float()
    functional.reset_net(net)
    _, records = _spiking_outputs(net, x_seq, (neuron.LIFNode, neuron.IFNode))
    functional.reset_net(net)
    graph = export_to_nir(net, x_seq, dt=dt)
    nir.write(f"{out_dir}/sj2.nir", graph)
    torch.save(x_seq, f"{out_dir}/x.pt")
    torch.save(records, f"{out_dir}/spikes.pt")


def run(path: str, dt: float, x_path: str, out_path: str) -> None:
    import torch
    from spikingjelly.activation_based import functional
    from spikingjelly.activation_based.nir_exchange import import_from_nir

    gm = import_from_nir(path, dt=dt, step_mode="m")
    x_seq = torch.load(x_path)
    functional.reset_net(gm)
    with torch.no_grad():
        out = gm(x_seq)
    torch.save(out[0] if isinstance(out, tuple) else out, out_path)


def debug(step_mode: str) -> None:
    """Print, as JSON, the SpikeDebugger's layers and whether its records equal SpikingJelly 2's own spikes."""
    import json

    import torch
    from spikingjelly.activation_based import functional, layer, neuron

    from widgets.spike_debugger import SpikeDebugger

    torch.manual_seed(0)
    net = torch.nn.Sequential(layer.Linear(6, 10), neuron.LIFNode(), layer.Linear(10, 4), neuron.IFNode())
    with torch.no_grad():
        net[0].weight.abs_().mul_(2.0)
        net[2].weight.abs_()
    functional.set_step_mode(net, step_mode)
    x_seq = torch.rand(20, 2, 6) * 2
    if step_mode == "m":
        _, own = _spiking_outputs(net, x_seq, (neuron.LIFNode, neuron.IFNode))
    else:
        own = {"1": [], "3": []}
        hooks = [net[i].register_forward_hook(lambda m, a, o, i=i: own[str(i)].append(o)) for i in (1, 3)]
        with torch.no_grad():
            for x in x_seq:
                net(x)
        own = {k: torch.stack(v) for k, v in own.items()}
        for h in hooks:
            h.remove()
    functional.reset_net(net)
    d = SpikeDebugger(net, x_seq, device="cpu")
    same = {n: bool(torch.equal(d.result.records[n].float(), own[n].float())) for n in own}
    counts = {n: int(own[n].sum()) for n in own}
    print(json.dumps({"layers": list(d.result.layer_names), "same": same, "counts": counts, "error": d.error}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "export":
        export(args[0], float(args[1]), args[2] == "True")
    elif command == "run":
        run(args[0], float(args[1]), args[2], args[3])
    elif command == "debug":
        debug(args[0])
    else:
        raise SystemExit(f"sj2_worker: unknown command {command!r}; expected 'export', 'run' or 'debug'")
