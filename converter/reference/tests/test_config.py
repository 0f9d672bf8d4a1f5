import pytest

from lckv_ref.config import ConfigError, Group, iteration_plan, parse_config
from lckv_ref.synthetic import tiny_config

W2 = "0_" + "_".join(["20"] * 20) + "_21"
W10 = "0_1_2_3_4_" + "_".join(["16"] * 12) + "_17_18_19_20_21"


def test_lckv_defaults():
    c = parse_config(tiny_config())
    assert c.sources == (0, 1, 2, 3) and c.windowed == (False,) * 4
    assert (c.forward_passes, c.backward_passes, c.max_passes) == (7, 2, 9)
    assert c.sliding_window == 4096 and not c.force_nodiag and not c.use_sequential
    assert c.head_dim == 16 and c.num_kv_heads == 2
    assert not any(c.nodiag(i) for i in range(4))


def test_m_counts_at_least_one_backward_pass():
    assert parse_config(tiny_config(forward_passes=2, backward_passes=0)).max_passes == 3
    assert parse_config(tiny_config(forward_passes=2, backward_passes=1)).max_passes == 3


def test_layer_types_with_windows_and_nodiag():
    c = parse_config(tiny_config("0s_4_4s_4_4_5", layers=6, sliding_window=8))
    assert c.sources == (0, 4, 4, 4, 4, 5)
    assert c.windowed == (True, False, True, False, False, False)
    assert [c.window(i) for i in range(6)] == [8, None, 8, None, None, None]
    assert c.kv_layers == [0, 4, 5]
    assert [c.nodiag(i) for i in range(6)] == [False, True, True, True, False, False]
    assert c.layer_types == "0s_4_4s_4_4_5"
    forced = parse_config(tiny_config("0_4_4_4_4_5", layers=6, force_nodiag=True))
    assert all(forced.nodiag(i) for i in range(6))


def test_null_sliding_window_means_unwindowed():
    c = parse_config(tiny_config("0s_1", layers=2, sliding_window=None))
    assert c.window(0) is None


@pytest.mark.parametrize("layer_types", ["0_1_2", "0_1_2_3_4", "0_1_2_4", "0_1_x_3", "0_1_2_3t", "0_1__3", " 0_1_2_3", "0_1_2_-1", "0_1_2_3s1"])
def test_rejects_bad_layer_types(layer_types):
    with pytest.raises(ConfigError):
        parse_config(tiny_config(layer_types))


def test_plain_llama_reads_itself_everywhere():
    c = parse_config(tiny_config("3_3_3_3", model_type="llama"))
    assert c.sources == (0, 1, 2, 3) and not any(c.nodiag(i) for i in range(4))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"model_type": "mistral"}, "model_type"),
        ({"hidden_size": None}, "hidden_size"),
        ({"num_key_value_heads": 3}, "multiple"),
        ({"rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}, "not supported"),
        ({"rope_scaling": {"type": "linear"}}, "factor"),
        ({"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64}}, "low_freq_factor"),
        ({"attention_bias": True}, "biases"),
        ({"hidden_act": "gelu"}, "silu"),
        ({"eos_token_id": "2"}, "eos_token_id"),
        ({"sliding_window": 0}, "sliding_window"),
        ({"force_nodiag": 1}, "force_nodiag"),
    ],
)
def test_rejects_bad_configs(change, message):
    d = tiny_config()
    d.update(change)
    if d["hidden_size"] is None:
        del d["hidden_size"]
    with pytest.raises(ConfigError, match=message):
        parse_config(d)


def test_rope_scaling_spellings():
    old = parse_config(tiny_config(rope_scaling={"type": "linear", "factor": 2.0}))
    new = parse_config(tiny_config(rope_scaling={"rope_type": "linear", "factor": 2.0}))
    assert old.rope_scaling == new.rope_scaling and old.rope_scaling.factor == 2.0
    assert parse_config(tiny_config(rope_scaling={"rope_type": "default"})).rope_scaling is None


def test_eos_int_or_list():
    assert parse_config(tiny_config(eos_token_id=[2, 7])).eos_token_ids == (2, 7)
    assert parse_config(tiny_config(eos_token_id=5)).eos_token_ids == (5,)


def _opt(codes, layers=6, **extra):
    return tiny_config(codes, model_type="opt-llama", layers=layers, **extra)


@pytest.mark.parametrize(
    "codes, extra, layer_types, passes",
    [
        # the released TinyLlama opt config: target_layer -2
        ("0_1_1_1_2_0", {"target_layer": -2}, "0_4_4_4_4_5", (7, 2)),
        ("0_1_1_1_1_2", {}, "0_5_5_5_5_5", (7, 2)),
        ("0_1_1_1_1_2", {"target_layer": 5}, "0_5_5_5_5_5", (7, 2)),
        ("0_1_1_1_1_2", {"target_layer": -7}, "0_5_5_5_5_5", (7, 2)),
        # a code-1 layer above the target reads a lower layer
        ("1_2_1_0_0_0", {"target_layer": 1}, "1_1_1_3_4_5", (7, 2)),
        ("0_1_1_1_1_2", {"num_encoders": 4, "num_trained_encoders": 2}, "0_5_5_5_5_5", (2, 3)),
        ("0_1_1_1_1_2", {"train_last_encoder": "none"}, "0_5_5_5_5_5", (8, 1)),
        ("0_1_1_1_1_2", {"train_last_encoder": "encoder", "num_trained_encoders": 3}, "0_5_5_5_5_5", (7, 2)),
        ("0_1_1_1_1_2", {"train_last_encoder": "3"}, "0_5_5_5_5_5", (5, 4)),
        # num_warmup_layers replaces layer_types and target_layer
        ("0_1_2_0_0_0", {"num_warmup_layers": 2, "target_layer": 2}, "0_1_5_5_5_5", (7, 2)),
    ],
)
def test_opt_llama_mapping(codes, extra, layer_types, passes):
    c = parse_config(_opt(codes, **extra))
    assert c.layer_types == layer_types
    assert (c.forward_passes, c.backward_passes) == passes
    assert c.force_nodiag and c.model_type == "opt-llama" and c.sliding_window is None


@pytest.mark.parametrize(
    "codes, extra, message",
    [
        ("0_1_1_1_2_2", {}, "exactly one"),
        ("0_0_0_0_0_0", {}, "exactly one"),
        (None, {}, "exactly one"),  # the original default (all 0) has no target
        ("0_1_1_2_1_0", {}, "target_layer is 5"),
        ("0_1_1_1_2_0", {"target_layer": -1}, "target_layer is 5"),
        ("0_1_1_3_1_2", {}, "codes"),
        ("0_1_1_1_2", {}, "entries"),
        ("0_1_1_1_1_2", {"num_encoders": 1, "num_trained_encoders": 2}, "num_trained_encoders"),
        ("0_1_1_1_1_2", {"train_last_encoder": "all"}, "train_last_encoder"),
        ("0_1_1_1_1_2", {"train_last_encoder": True}, "train_last_encoder"),
        ("0_1_1_1_1_2", {"train_last_encoder": 2.5}, "train_last_encoder"),
    ],
)
def test_opt_llama_rejections(codes, extra, message):
    d = _opt(codes, **extra)
    if codes is None:
        d.pop("layer_types", None)
    with pytest.raises(ConfigError, match=message):
        parse_config(d)


@pytest.mark.parametrize(
    "layer_types, plan",
    [
        (W2, [(0, 0, False), (1, 20, True), (21, 21, False)]),
        (W10, [(0, 4, False), (5, 16, True), (17, 21, False)]),
        ("0_1_2_3_4_5", [(0, 5, False)]),
        ("0_0_2_2_4_4", [(0, 5, False)]),
        ("3_3_3_3", [(0, 3, True)]),
        ("1_2_3_3_5_5", [(0, 3, True), (4, 5, True)]),
        ("0_2_4_3_4_5", [(0, 0, False), (1, 4, True), (5, 5, False)]),
        ("1_0", [(0, 1, True)]),
        ("0s_4s_4_4_4_5s", [(0, 0, False), (1, 4, True), (5, 5, False)]),
    ],
)
def test_iteration_plan(layer_types, plan):
    layers = len(layer_types.split("_"))
    c = parse_config(tiny_config(layer_types, layers=layers))
    assert c.plan() == [Group(*g) for g in plan]
    assert iteration_plan(c.sources) == c.plan()


def test_plain_llama_refuses_force_nodiag():
    with pytest.raises(ConfigError, match="force_nodiag must be false for model_type llama"):
        parse_config(tiny_config(model_type="llama", force_nodiag=True))


def test_rope_parameters_are_refused_rather_than_defaulting_theta():
    with pytest.raises(ConfigError, match="rope_parameters"):
        parse_config(tiny_config(rope_parameters={"rope_theta": 500000.0}))


def test_opt_llama_reads_use_sequential():
    assert parse_config(_opt("0_1_1_1_1_2", use_sequential=True)).use_sequential
