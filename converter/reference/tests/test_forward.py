import numpy as np
import pytest
import torch

import independent_llama as ind
from lckv_ref.checkpoint import resolve
from lckv_ref.config import parse_config
from lckv_ref.model import Model, attend, greedy, visible
from lckv_ref.synthetic import random_weights, stored_as, tiny_config


def make(layer_types=None, layers=4, seed=0, dtype=torch.float64, **extra):
    d = tiny_config(layer_types, layers=layers, **extra)
    config = parse_config(d)
    weights = resolve(config, stored_as(random_weights(d, seed), torch.float32))
    return d, weights, Model(config, weights, dtype)


def tokens(n, seed=0, vocab=300):
    return torch.from_numpy(np.random.Generator(np.random.PCG64(seed)).integers(0, vocab, size=n))


def prefill(model, ids, mode="exact", passes=None):
    return model.forward(model.new_cache(), ids, mode, passes)


@pytest.mark.parametrize(
    "extra, linear",
    [
        ({"model_type": "llama"}, None),
        ({"model_type": "lckv-llama", "layer_types": "0_1_2_3", "kv_heads": 1, "forward_passes": 1, "backward_passes": 1}, None),
        ({"model_type": "llama", "kv_heads": 4, "tie_word_embeddings": True}, None),
        ({"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2.5}, "rope_theta": 500.0}, 2.5),
    ],
)
def test_identity_layer_types_is_a_plain_llama(extra, linear):
    extra = dict(extra)
    d, weights, model = make(extra.pop("layer_types", None), **extra)
    ids = tokens(12, seed=5)
    want = ind.llama_logits(d, weights, ids.numpy(), linear)
    for mode in ("reference", "exact"):
        assert np.allclose(prefill(model, ids, mode).numpy(), want, rtol=0, atol=1e-11)


SHAPES = [
    ("0_4_4_4_4_5", {"force_nodiag": True}),
    ("3_3_3_3", {}),
    ("0_0_2_2_4_4", {}),
    ("1_2_3_3_5_5", {}),
    ("0s_1s_4s_4_4_5", {"sliding_window": 3}),
    ("0_2s_4_3_4s_5", {"sliding_window": 2, "force_nodiag": True}),
    ("1_0", {}),
    ("0_1_2_3", {"force_nodiag": True}),
]


@pytest.mark.parametrize("layer_types, extra", SHAPES)
def test_exact_prefill_equals_token_by_token_decoding(layer_types, extra):
    _, _, model = make(layer_types, layers=len(layer_types.split("_")), **extra)
    ids = tokens(11, seed=1)
    full_cache = model.new_cache()
    full = model.forward(full_cache, ids, "exact")
    step_cache = model.new_cache()
    steps = torch.cat([model.forward(step_cache, ids[i : i + 1], "exact") for i in range(len(ids))])
    assert torch.allclose(full, steps, rtol=0, atol=1e-10)
    for t in model.config.kv_layers:
        assert torch.allclose(full_cache.keys[t], step_cache.keys[t], rtol=0, atol=1e-10)
        assert torch.allclose(full_cache.values[t], step_cache.values[t], rtol=0, atol=1e-10)


@pytest.mark.parametrize("layer_types, extra", SHAPES[:5])
def test_exact_prefill_in_chunks_equals_one_call(layer_types, extra):
    _, _, model = make(layer_types, layers=len(layer_types.split("_")), **extra)
    ids = tokens(11, seed=2)
    cache = model.new_cache()
    chunks = torch.cat([model.forward(cache, ids[:4], "exact"), model.forward(cache, ids[4:], "exact")])
    assert torch.allclose(chunks, prefill(model, ids), rtol=0, atol=1e-10)


def test_reference_mode_pass_counts():
    _, _, model = make("0_4_4_4_4_5", layers=6, force_nodiag=True, forward_passes=2, backward_passes=1)
    assert model.config.max_passes == 3
    for n in (1, 2, 3):
        ids = tokens(n, seed=n)
        assert model.passes(n, "reference") == n
        assert torch.equal(prefill(model, ids, "reference"), prefill(model, ids, "exact"))
    ids = tokens(8, seed=9)
    reference, exact = prefill(model, ids, "reference"), prefill(model, ids, "exact")
    assert model.passes(8, "reference") == 3
    # M passes make the first M new positions exact, and only those
    assert torch.allclose(reference[:3], exact[:3], rtol=0, atol=1e-12)
    assert ((reference[3:] - exact[3:]).abs().amax(dim=-1) > 1e-6).all()
    # and n passes are needed for n positions: n - 1 leave the last one approximate
    short = prefill(model, ids, passes=7)
    assert torch.allclose(short[:7], exact[:7], rtol=0, atol=1e-12) and (short[7] - exact[7]).abs().max() > 1e-6


def test_exact_is_a_fixed_point_of_more_passes():
    _, _, model = make("1_2_3_3_5_5", layers=6)
    ids = tokens(9, seed=4)
    assert torch.allclose(prefill(model, ids, passes=12), prefill(model, ids), rtol=0, atol=1e-12)


def test_use_sequential_makes_reference_exact():
    _, _, model = make("3_3_3_3", forward_passes=1, backward_passes=1, use_sequential=True)
    ids = tokens(7, seed=6)
    assert model.passes(7, "reference") == 7
    assert torch.equal(prefill(model, ids, "reference"), prefill(model, ids, "exact"))


def test_without_cyclic_groups_modes_agree_beyond_m():
    _, _, model = make("0_0_2_2", forward_passes=1, backward_passes=1)
    ids = tokens(9, seed=7)
    assert torch.equal(prefill(model, ids, "reference"), prefill(model, ids, "exact"))


def test_working_kv_starts_as_real_zero_vectors():
    """One pass over 3 new tokens after 3 committed ones in `1_1` (layer 0 reads layer 1 and
    hides its diagonal), recomputed here with numpy: the new positions' KV of layer 1 that layer
    0 sees are zero vectors that enter the softmax with logit 0."""
    d, weights, model = make("1_1", layers=2, kv_heads=1)
    ids = tokens(6, seed=8)
    cache = model.new_cache()
    model.forward(cache, ids[:3], "exact")
    k_old, v_old = cache.keys[1][0].numpy(), cache.values[1][0].numpy()
    got = model.forward(cache, ids[3:], passes=1).numpy()

    def manual(zeros_take_part):
        w = ind.numpy_weights(weights)
        eps, freq = d["rms_norm_eps"], ind.inv_freq(16, d["rope_theta"])
        h = w["model.embed_tokens.weight"][ids[3:].numpy()]
        x = ind.rmsnorm(h, w["model.layers.0.input_layernorm.weight"], eps)
        q = (x @ w["model.layers.0.self_attn.q_proj.weight"].T).reshape(3, 4, 16)
        keys = ind.rope(np.concatenate([k_old, np.zeros((3, 16))]), np.arange(6), freq)
        values = np.concatenate([v_old, np.zeros((3, 16))])
        out = np.zeros((3, 4, 16))
        for j in range(3):
            seen = 3 + j if zeros_take_part else 3  # nodiag: keys before position 3 + j
            for head in range(4):
                qr = ind.rope(q[j : j + 1, head], np.array([3 + j]), freq)[0]
                out[j, head] = ind.attention_row(qr, keys[:seen], values[:seen])
        h = h + out.reshape(3, 64) @ w["model.layers.0.self_attn.o_proj.weight"].T
        h = h + ind.mlp(ind.rmsnorm(h, w["model.layers.0.post_attention_layernorm.weight"], eps), w, "model.layers.0.")
        x = ind.rmsnorm(h, w["model.layers.1.input_layernorm.weight"], eps)
        q = (x @ w["model.layers.1.self_attn.q_proj.weight"].T).reshape(3, 4, 16)
        k_new = x @ w["model.layers.1.self_attn.k_proj.weight"].T
        v_new = x @ w["model.layers.1.self_attn.v_proj.weight"].T
        keys = ind.rope(np.concatenate([k_old, k_new]), np.arange(6), freq)
        values = np.concatenate([v_old, v_new])
        out = np.zeros((3, 4, 16))
        for j in range(3):
            for head in range(4):
                qr = ind.rope(q[j : j + 1, head], np.array([3 + j]), freq)[0]
                out[j, head] = ind.attention_row(qr, keys[: 4 + j], values[: 4 + j])
        h = h + out.reshape(3, 64) @ w["model.layers.1.self_attn.o_proj.weight"].T
        h = h + ind.mlp(ind.rmsnorm(h, w["model.layers.1.post_attention_layernorm.weight"], eps), w, "model.layers.1.")
        return ind.rmsnorm(h, w["model.norm.weight"], eps) @ w["lm_head.weight"].T

    assert np.allclose(got, manual(zeros_take_part=True), rtol=0, atol=1e-11)
    assert np.abs(got - manual(zeros_take_part=False))[1:].max() > 1e-6


def test_attention_row_without_keys_is_exactly_zero():
    gen = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(2, 3, 8, generator=gen, dtype=torch.float64) for _ in range(3))
    allowed = torch.tensor([[False, False, False], [True, False, False], [True, True, False]])
    out = attend(q, k, v, allowed, 0.5)
    assert torch.equal(out[:, 0], torch.zeros(2, 8, dtype=torch.float64))
    assert torch.equal(out[:, 1], v[:, 0])
    p = torch.softmax(q[:, 2:3] @ k[:, :2].transpose(-1, -2) * 0.5, -1)
    assert torch.allclose(out[:, 2], (p @ v[:, :2])[:, 0], rtol=0, atol=1e-15)


def test_nodiag_first_position_has_no_attention():
    d, weights, model = make("0_1_2_3", force_nodiag=True)
    ids = tokens(5, seed=3)
    got = prefill(model, ids).numpy()
    w = ind.numpy_weights(weights)
    h = w["model.embed_tokens.weight"][ids[:1].numpy()]
    for i in range(4):
        p = f"model.layers.{i}."
        h = h + ind.mlp(ind.rmsnorm(h, w[p + "post_attention_layernorm.weight"], d["rms_norm_eps"]), w, p)
    want = ind.rmsnorm(h, w["model.norm.weight"], d["rms_norm_eps"]) @ w["lm_head.weight"].T
    assert np.allclose(got[:1], want, rtol=0, atol=1e-12)
    _, _, with_diag = make("0_1_2_3")
    assert np.abs(prefill(with_diag, ids)[0].numpy() - want[0]).max() > 1e-3


def test_layer_that_never_has_keys_adds_exactly_nothing():
    # A window of 1 with nodiag leaves every query of layer 0 without keys: that layer's
    # attention must add exact zeros, like a zero o_proj does.
    _, weights, windowed = make("0s_1_2_3", force_nodiag=True, sliding_window=1)
    config = windowed.config
    silenced = dict(weights)
    silenced["model.layers.0.self_attn.o_proj.weight"] = torch.zeros_like(weights["model.layers.0.self_attn.o_proj.weight"])
    ids = tokens(6, seed=4)
    plain = Model(parse_config(tiny_config("0_1_2_3", force_nodiag=True)), silenced)
    assert torch.equal(prefill(windowed, ids), prefill(plain, ids))
    assert config.window(0) == 1


@pytest.mark.parametrize("nodiag", [False, True])
def test_visible_key_counts_at_window_edges(nodiag):
    q, k = torch.arange(10)[:, None], torch.arange(10)[None, :]
    for window in (1, 3, 10, None):
        counts = visible(q, k, nodiag, window).sum(-1).tolist()
        for p, count in enumerate(counts):
            cap = p + 1 if window is None else min(p + 1, window)
            assert count == cap - (1 if nodiag and cap > 0 else 0), (window, p)


@pytest.mark.parametrize("force_nodiag", [False, True])
def test_window_matters_only_past_its_edge(force_nodiag):
    d, weights, windowed = make("0s_3s_3s_3", sliding_window=4, force_nodiag=force_nodiag)
    unwindowed = Model(parse_config(dict(d, layer_types="0_3_3_3")), weights)
    ids = tokens(5, seed=11)
    assert torch.allclose(prefill(windowed, ids[:4]), prefill(unwindowed, ids[:4]), rtol=0, atol=1e-13)
    a, b = prefill(windowed, ids), prefill(unwindowed, ids)
    assert torch.allclose(a[:4], b[:4], rtol=0, atol=1e-13) and (a[4] - b[4]).abs().max() > 1e-6


def test_greedy_feeds_back_the_argmax():
    _, _, model = make("0_3_3_3", force_nodiag=True)
    g = greedy(model, tokens(5), 6)
    assert int(g.inputs[0]) == int(g.prefill_logits[-1].argmax())
    assert torch.equal(g.inputs[1:], g.next_ids[:-1])
    assert torch.equal(g.next_ids, g.logits.argmax(-1))


def test_float32_compute_stays_close_to_float64():
    d, weights, model64 = make("0_4_4_4_4_5", layers=6, force_nodiag=True)
    model32 = Model(model64.config, weights, torch.float32)
    ids = tokens(10, seed=12)
    a, b = prefill(model64, ids, "reference"), prefill(model32, ids, "reference")
    assert b.dtype == torch.float32 and torch.allclose(a, b.double(), rtol=0, atol=1e-4)


def test_streaming_with_room_for_everything_is_plain():
    _, _, model = make("0_4_4_4_4_5", layers=6, force_nodiag=True)
    plain = greedy(model, tokens(5, seed=13), 10)
    streamed = greedy(model, tokens(5, seed=13), 10, sinks=2, window=16)
    assert torch.equal(plain.logits, streamed.logits) and torch.equal(plain.inputs, streamed.inputs)


def test_streaming_one_layer_equals_llama_over_the_kept_tokens():
    # With a single layer the KV of a token depends on that token alone, so each streamed
    # step must equal a plain Llama run over the kept tokens at positions 0, 1, ...
    d, weights, model = make("0", layers=1)
    prompt = tokens(4, seed=14)
    g = greedy(model, prompt, 10, sinks=2, window=6)
    history = prompt.tolist()
    for step, token in enumerate(g.inputs.tolist()):
        history.append(token)
        kept = history if len(history) <= 6 else history[:2] + history[-4:]
        want = ind.llama_logits(d, weights, np.array(kept))[-1]
        assert np.allclose(g.logits[step].numpy(), want, rtol=0, atol=1e-11), step


def test_streaming_keeps_sinks_and_latest_keys():
    _, _, model = make("0_4_4_4_4_5", layers=6, force_nodiag=True)
    ids = tokens(9, seed=15)
    plain, streamed = model.new_cache(), model.new_cache(sinks=2, window=8)
    assert torch.equal(model.forward(plain, ids[:8], "exact"), model.forward(streamed, ids[:8], "exact"))
    first_evicting = model.forward(streamed, ids[8:], "exact")
    assert (first_evicting - model.forward(plain, ids[8:], "exact")).abs().max() > 1e-6
    assert streamed.length == 8
    for t in model.config.kv_layers:
        kept = [0, 1, 3, 4, 5, 6, 7]
        assert torch.equal(streamed.keys[t][:, :7], plain.keys[t][:, kept])
        assert torch.equal(streamed.values[t][:, :7], plain.values[t][:, kept])
    with pytest.raises(ValueError, match="do not fit"):
        model.forward(streamed, tokens(7, seed=16), "exact")


def test_opt_llama_runs_as_its_mapped_lckv_model():
    d, weights, mapped = make("0_4_4_4_4_5", layers=6, force_nodiag=True, forward_passes=3, backward_passes=2)
    legacy = Model(parse_config(tiny_config("0_1_1_1_2_0", model_type="opt-llama", layers=6, target_layer=-2, num_encoders=4)), weights)
    assert legacy.config.max_passes == 5
    ids = tokens(8, seed=17)
    for mode in ("reference", "exact"):
        assert torch.equal(prefill(legacy, ids, mode), prefill(mapped, ids, mode))
