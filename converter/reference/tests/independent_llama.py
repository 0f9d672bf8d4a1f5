"""A plain Llama written for the tests only, in numpy float64 with explicit loops, sharing no
code with lckv_ref: the reference with identity layer_types must agree with it. Rope follows
Hugging Face's float32 inv_freq and angles, rotating each (j, j + d/2) pair as a complex number."""

import numpy as np


def inv_freq(head_dim, theta, linear_factor=None):
    exponent = np.arange(0, head_dim, 2).astype(np.float32) / np.float32(head_dim)
    power = np.power(np.float64(theta), exponent.astype(np.float64)).astype(np.float32)
    freq = np.float32(1.0) / power
    if linear_factor is not None:
        freq = freq / np.float32(linear_factor)
    return freq


def rope(x, positions, freq):
    """x [positions, head_dim] rotated by the float32 angle of each position."""
    half = x.shape[-1] // 2
    angles = (positions.astype(np.float32)[:, None] * freq[None, :]).astype(np.float64)
    z = (x[:, :half] + 1j * x[:, half:]) * np.exp(1j * angles)
    return np.concatenate([z.real, z.imag], axis=-1)


def rmsnorm(h, w, eps):
    return w * h / np.sqrt(np.mean(h * h, axis=-1, keepdims=True) + eps)


def mlp(y, w, prefix):
    gate = y @ w[prefix + "mlp.gate_proj.weight"].T
    up = y @ w[prefix + "mlp.up_proj.weight"].T
    return (gate / (1.0 + np.exp(-gate)) * up) @ w[prefix + "mlp.down_proj.weight"].T


def attention_row(q, keys, values):
    """One query vector over a list of key/value rows; no keys -> zeros."""
    if len(keys) == 0:
        return np.zeros_like(q)
    scores = np.array([q @ k for k in keys]) / np.sqrt(q.shape[0])
    p = np.exp(scores - scores.max())
    p /= p.sum()
    return sum(pi * v for pi, v in zip(p, values))


def numpy_weights(weights):
    return {name: t.double().numpy() for name, t in weights.items()}


def llama_logits(cfg, weights, ids, linear_factor=None):
    """Logits [n, vocab] of a standard causal Llama over token ids at positions 0..n-1."""
    w = numpy_weights(weights)
    heads, kv_heads = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim", cfg["hidden_size"] // heads)
    eps = cfg["rms_norm_eps"]
    freq = inv_freq(d, cfg["rope_theta"], linear_factor)
    positions = np.arange(len(ids))
    h = w["model.embed_tokens.weight"][np.asarray(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rmsnorm(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].T).reshape(len(ids), heads, d)
        k = (x @ w[p + "self_attn.k_proj.weight"].T).reshape(len(ids), kv_heads, d)
        v = (x @ w[p + "self_attn.v_proj.weight"].T).reshape(len(ids), kv_heads, d)
        out = np.zeros((len(ids), heads, d))
        for head in range(heads):
            kv = head // (heads // kv_heads)
            qr = rope(q[:, head], positions, freq)
            kr = rope(k[:, kv], positions, freq)
            for t in range(len(ids)):
                out[t, head] = attention_row(qr[t], kr[: t + 1], v[: t + 1, kv])
        h = h + out.reshape(len(ids), heads * d) @ w[p + "self_attn.o_proj.weight"].T
        h = h + mlp(rmsnorm(h, w[p + "post_attention_layernorm.weight"], eps), w, p)
    head_w = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return rmsnorm(h, w["model.norm.weight"], eps) @ head_w.T
