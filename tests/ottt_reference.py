"""The one reference loop for OTTT online training (SPEC 1.23), shared by the tests that check against it.

A plain step loop: per step, run the net, take the loss of that step, backward, and (online) step the
optimizer at once; detach the net's state after every backward (the SPEC decision: the graph of a step
never reaches back into earlier steps); a net that returns a list gives its first element; the batch loss
is the sum over steps.
"""

import torch

from snnlab import functional

__all__ = ["ottt_reference"]


def ottt_reference(model, optimizer, x_seq, target_seq, f_loss_t, online):
    """``(summed loss, [N, T, *] outputs)`` of one OTTT batch; ``x_seq``/``target_seq`` are ``[N, T, *]``."""
    x_seq, target_seq = x_seq.transpose(0, 1), target_seq.transpose(0, 1)
    batch_loss, ys = 0.0, []
    if not online:
        optimizer.zero_grad()
    for t in range(x_seq.shape[0]):
        if online:
            optimizer.zero_grad()
        y = model(x_seq[t])
        if isinstance(y, (list, tuple)):
            y = y[0]
        loss = f_loss_t(y, target_seq[t].contiguous())
        loss.backward()
        if online:
            optimizer.step()
        functional.detach_net(model)
        batch_loss += loss.detach()
        ys.append(y.detach())
    if not online:
        optimizer.step()
    return batch_loss, torch.stack(ys, dim=1)
