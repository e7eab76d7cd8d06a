"""The op vocabulary table."""

from graphnas.graph import OPS, InputSpec, Shape

REQUIRED = {"linear", "conv1d", "conv2d", "sep_conv1d", "sep_conv2d", "max_pool", "avg_pool",
            "global_avg_pool", "global_max_pool", "batch_norm", "layer_norm", "relu", "tanh",
            "sigmoid", "gelu", "swish", "identity", "one_minus", "dropout", "embedding",
            "flatten"}

SAMPLE = {"vector": Shape("vector", (12,)), "sequence": Shape("sequence", (20, 3)),
          "image": Shape("image", (3, 8, 8)), "tokens": InputSpec("tokens", (7,), 5).shape}


def test_vocabulary_has_every_required_op():
    assert set(OPS) >= REQUIRED


def test_defaults_are_allowed_values():
    for spec in OPS.values():
        for name, p in spec.params.items():
            assert p.check(p.default) is None, (spec.name, name)


def test_every_op_gives_a_shape_for_every_layout_it_takes():
    from graphnas.graph import resolve_params

    for spec in OPS.values():
        for layout in spec.layouts:
            out = spec.shape(SAMPLE[layout], resolve_params(spec.name, {}))
            assert isinstance(out, Shape)
