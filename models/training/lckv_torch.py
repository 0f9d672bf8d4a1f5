"""The LCKV decoder of ../../shared/spec/lckv-model.md written for training: batched float32,
every new token processed at once (the reference-mode prefill of spec §4 with P = M passes),
the first `forward_passes` passes without gradient as in the paper's training recipe.

Inference numbers are defined by the reference implementation (converter/reference); a test
checks that this module computes the same logits."""
import math
import pathlib
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "converter" / "reference"))
from lckv_ref.config import iteration_plan, parse_layer_types  # noqa: E402


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps))


def rope_tables(positions, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    angles = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((angles, angles), dim=-1)
    return emb.cos(), emb.sin()


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Layer(nn.Module):
    def __init__(self, cfg, is_kv):
        super().__init__()
        d, h, kvh, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        self.heads, self.kv_heads, self.head_dim = h, kvh, hd
        self.input_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(d, cfg["rms_norm_eps"])
        self.self_attn = nn.Module()
        self.self_attn.q_proj = nn.Linear(d, h * hd, bias=False)
        self.self_attn.o_proj = nn.Linear(h * hd, d, bias=False)
        if is_kv:
            self.self_attn.k_proj = nn.Linear(d, kvh * hd, bias=False)
            self.self_attn.v_proj = nn.Linear(d, kvh * hd, bias=False)
        inter = cfg["intermediate_size"]
        self.mlp = nn.Module()
        self.mlp.gate_proj = nn.Linear(d, inter, bias=False)
        self.mlp.up_proj = nn.Linear(d, inter, bias=False)
        self.mlp.down_proj = nn.Linear(inter, d, bias=False)

    def kv(self, x, cos, sin):
        b, t, _ = x.shape
        k = self.self_attn.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.self_attn.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        return rotate(k, cos, sin), v

    def attend(self, x, kv, mask, cos, sin):
        b, t, _ = x.shape
        q = rotate(self.self_attn.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2), cos, sin)
        k, v = kv
        group = self.heads // self.kv_heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~mask, float("-inf"))
        has_key = mask.any(-1, keepdim=True)
        weights = torch.softmax(scores.masked_fill(~has_key, 0.0), dim=-1) * has_key
        out = (weights @ v).transpose(1, 2).reshape(b, t, -1)
        return self.self_attn.o_proj(out)

    def feed_forward(self, x):
        return self.mlp.down_proj(F.silu(self.mlp.gate_proj(x)) * self.mlp.up_proj(x))


class LckvForCausalLM(nn.Module):
    """Weights use the Hugging Face Llama names (spec §2), so state_dict() is the checkpoint."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        layers = cfg["num_hidden_layers"]
        self.sources, self.windowed = parse_layer_types(cfg["layer_types"], layers)
        self.kv_layers = set(self.sources)
        self.plan = iteration_plan(self.sources)
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.model.layers = nn.ModuleList(Layer(cfg, i in self.kv_layers) for i in range(layers))
        self.model.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.passes = cfg["forward_passes"] + max(cfg["backward_passes"], 1)

    def masks(self, t, device):
        pos = torch.arange(t, device=device)
        diff = pos[:, None] - pos[None, :]
        window = self.cfg.get("sliding_window")
        out = []
        for i, src in enumerate(self.sources):
            nodiag = self.cfg.get("force_nodiag", False) or src > i
            mask = diff > 0 if nodiag else diff >= 0
            if self.windowed[i] and window is not None:
                mask = mask & (diff < window)
            out.append(mask)
        return out

    def _pass(self, first, last, x, done, working, cos, sin, masks):
        fresh = {}
        for i in range(first, last + 1):
            layer = self.model.layers[i]
            y = layer.input_layernorm(x)
            if i in self.kv_layers:
                fresh[i] = layer.kv(y, cos, sin)
            src = self.sources[i]
            if src < first:
                kv = done[src]
            elif src <= i:
                kv = fresh[src]
            else:
                kv = working[src]
            x = x + layer.attend(y, kv, masks[i], cos, sin)
            x = x + layer.feed_forward(layer.post_attention_layernorm(x))
        return x, fresh

    def hidden(self, ids):
        b, t = ids.shape
        cos, sin = rope_tables(torch.arange(t, device=ids.device), self.cfg["head_dim"], self.cfg["rope_theta"])
        masks = self.masks(t, ids.device)
        x = self.model.embed_tokens(ids)
        done = {}
        for group in self.plan:
            first, last = group.start, group.end
            if not group.cyclic:
                x, fresh = self._pass(first, last, x, done, {}, cos, sin, masks)
                done.update(fresh)
                continue
            kv_shape = (b, self.cfg["num_key_value_heads"], t, self.cfg["head_dim"])
            working = {j: (x.new_zeros(kv_shape), x.new_zeros(kv_shape))
                       for j in range(first, last + 1) if j in self.kv_layers}
            passes = min(self.passes, t)
            with_grad = max(self.cfg["backward_passes"], 1)
            with torch.no_grad():
                for _ in range(passes - with_grad):
                    _, working = self._pass(first, last, x, done, working, cos, sin, masks)
            for _ in range(min(with_grad, passes)):
                out, working = self._pass(first, last, x, done, working, cos, sin, masks)
            x = out
            done.update(working)
        return self.model.norm(x)

    def forward(self, ids):
        return F.linear(self.hidden(ids), self.model.embed_tokens.weight)
