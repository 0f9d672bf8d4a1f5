"""Small random checkpoints for the self-checks and the golden fixtures (nothing is trained).

The scales make attention far from uniform (query-key logits of about unit size) and spread the
output logits (a few units) so that greedy choices are not near-ties, while keeping |logits|
below 16 where one float32 ulp stays under the 1e-6 the fixture check allows."""

import numpy as np
import torch

from .checkpoint import expected_shapes
from .config import parse_config


def tiny_config(layer_types=None, model_type="lckv-llama", hidden=64, layers=4, heads=4, kv_heads=2, vocab=300, intermediate=172, **extra):
    """A config.json dict in the shape of the project's fixtures."""
    d = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": model_type,
        "hidden_size": hidden,
        "intermediate_size": intermediate,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "vocab_size": vocab,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "max_position_embeddings": 2048,
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    if layer_types is not None:
        d["layer_types"] = layer_types
    d.update(extra)
    return d


def random_weights(config_dict, seed, stored_lm_head=False):
    """{name: float64 tensor} for every weight the config needs; with stored_lm_head a tied
    config also gets an lm_head.weight that differs from the embedding (which loaders must
    ignore)."""
    config = parse_config(config_dict)
    shapes = expected_shapes(config)
    if stored_lm_head:
        shapes["lm_head.weight"] = (config.vocab_size, config.hidden_size)
    rng = np.random.Generator(np.random.PCG64(seed))
    weights = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith("norm.weight"):
            values = rng.uniform(0.6, 1.4, size=shape)
        else:
            values = rng.standard_normal(size=shape) * _gain(name) / np.sqrt(shape[1])
        weights[name] = torch.from_numpy(values)
    return weights


def _gain(name):
    if name.endswith(("q_proj.weight", "k_proj.weight")):
        return 1.2
    if name in ("model.embed_tokens.weight", "lm_head.weight"):
        return 2.0
    return 1.0


def stored_as(weights, dtype):
    """Rounds float64 weights to the storage dtype, through float32 so that the rounding is the
    same whatever torch's direct float64 conversions do."""
    return {name: t.to(torch.float32).to(dtype) for name, t in weights.items()}
