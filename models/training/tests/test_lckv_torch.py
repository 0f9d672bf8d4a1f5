"""The training model must compute what the reference defines (spec §3-4), or the served model
would not be the trained one."""
import pathlib
import sys

import pytest
import torch

HERE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from lckv_torch import LckvForCausalLM  # noqa: E402
from lckv_ref import checkpoint, model as reference  # noqa: E402


def tiny_config(layer_types, **extra):
    cfg = {
        "model_type": "lckv-llama", "vocab_size": 97, "hidden_size": 32, "intermediate_size": 48,
        "num_hidden_layers": len(layer_types.split("_")), "num_attention_heads": 4,
        "num_key_value_heads": 2, "head_dim": 8, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": True, "layer_types": layer_types, "forward_passes": 2,
        "backward_passes": 1, "force_nodiag": True, "sliding_window": None,
        "max_position_embeddings": 64,
    }
    cfg.update(extra)
    return cfg


@pytest.mark.parametrize("layer_types, extra", [
    ("0_4_4_4_4_5", {}),
    ("0_1_2_3", {"force_nodiag": False}),
    ("1_2_3_3_5_5", {}),
    ("0_3s_3_3", {"sliding_window": 3}),
])
def test_training_forward_equals_the_reference_prefill(tmp_path, layer_types, extra):
    torch.manual_seed(7)
    cfg = tiny_config(layer_types, **extra)
    model = LckvForCausalLM(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.3)
    checkpoint.save(tmp_path, cfg, {k: v.detach().clone() for k, v in model.state_dict().items()}, "safetensors")
    ids = torch.randint(0, cfg["vocab_size"], (12,))  # longer than M = 3: the approximate path

    ours = model(ids[None])[0].double()
    ref = reference.Model.from_folder(tmp_path)
    expected = ref.forward(ref.new_cache(), ids, "reference")

    assert torch.allclose(ours, expected, atol=1e-4, rtol=0), (ours - expected).abs().max()


def test_every_parameter_receives_gradient():
    torch.manual_seed(3)
    model = LckvForCausalLM(tiny_config("0_4_4_4_4_5"))
    loss = model(torch.randint(0, 97, (2, 10))).logsumexp(-1).mean()
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
