"""snnlab.functional exports exactly SpikingJelly's 23 functional names, each callable."""

import inspect

import snnlab.functional as functional

SPIKINGJELLY_FUNCTIONAL = {
    "reset_net",
    "set_step_mode",
    "set_backend",
    "detach_net",
    "spike_similar_loss",
    "kernel_dot_product",
    "set_threshold_margin",
    "redundant_one_hot",
    "first_spike_index",
    "multi_step_forward",
    "chunk_multi_step_forward",
    "seq_to_ann_forward",
    "fused_conv2d_weight_of_convbn2d",
    "fused_conv2d_bias_of_convbn2d",
    "scale_fused_conv2d_weight_of_convbn2d",
    "scale_fused_conv2d_bias_of_convbn2d",
    "fuse_convbn2d",
    "temporal_efficient_training_cross_entropy",
    "kaiming_normal_conv_linear_weight",
    "delay",
    "fptt_online_training_init_w_ra",
    "fptt_online_training",
    "ottt_online_training",
}


def test_all_is_exactly_the_23_names():
    assert len(functional.__all__) == 23
    assert set(functional.__all__) == SPIKINGJELLY_FUNCTIONAL


def test_each_name_is_a_callable_function():
    for name in functional.__all__:
        obj = getattr(functional, name)
        assert callable(obj) and inspect.isfunction(inspect.unwrap(obj)), name


def test_signatures_keep_spikingjelly_parameter_names_and_defaults():
    sig = {n: inspect.signature(getattr(functional, n)) for n in functional.__all__}
    assert list(sig["spike_similar_loss"].parameters) == ["spikes", "labels", "kernel_type", "loss_type", "args"]
    assert sig["spike_similar_loss"].parameters["kernel_type"].default == "linear"
    assert list(sig["kernel_dot_product"].parameters) == ["x", "y", "kernel", "args"]
    assert [p.default for p in sig["set_threshold_margin"].parameters.values()][2:] == [1.0, 0.9, 1.1]
    assert list(sig["chunk_multi_step_forward"].parameters) == ["split_size", "x_seq", "multi_step_module"]
    assert list(sig["set_backend"].parameters) == ["net", "backend", "instance"]
    assert list(sig["scale_fused_conv2d_bias_of_convbn2d"].parameters) == ["conv2d", "bn2d", "k", "b"]
    assert list(sig["fptt_online_training"].parameters) == [
        "model",
        "optimizer",
        "x_seq",
        "target_seq",
        "f_loss_t",
        "alpha",
        "w_ra",
    ]
    assert list(sig["ottt_online_training"].parameters) == [
        "model",
        "optimizer",
        "x_seq",
        "target_seq",
        "f_loss_t",
        "online",
    ]
    assert list(sig["delay"].parameters) == ["x_seq", "delay_steps"]
    assert list(sig["redundant_one_hot"].parameters) == ["labels", "num_classes", "n"]
