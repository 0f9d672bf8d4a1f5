"""The LCKV forward of spec §3-§5: layers, iteration plan, reference and exact pass counts,
decoding against a committed cache and StreamingLLM eviction."""

from dataclasses import dataclass

import torch

from . import checkpoint
from .rope import Rope, rotate

MODES = ("reference", "exact")


class Cache:
    """Committed KV of every KV layer: keys BEFORE rope [kv_heads, length, head_dim] and values.

    Keys are rotated when attended, at their index in this cache. Without eviction that index is
    the absolute position, so the numbers equal storing rotated keys; with StreamingLLM eviction
    (sinks/window) it makes "rope positions are indices within the kept cache" exact (spec §5)."""

    def __init__(self, config, dtype, sinks=None, window=None):
        if (sinks is None) != (window is None):
            raise ValueError("StreamingLLM needs both sinks and window")
        if window is not None and not 0 <= sinks < window:
            raise ValueError(f"StreamingLLM needs 0 <= sinks < window, got sinks={sinks} window={window}")
        empty = torch.zeros(config.num_kv_heads, 0, config.head_dim, dtype=dtype)
        self.keys = {t: empty for t in config.kv_layers}
        self.values = {t: empty for t in config.kv_layers}
        self.length = 0
        self.sinks = sinks
        self.window = window

    def make_room(self, n):
        """StreamingLLM: before n new tokens, keep the first `sinks` entries and as many of the
        latest as leave room for them within `window`."""
        if self.window is None or self.length + n <= self.window:
            return
        recent = self.window - self.sinks - n
        if recent < 0:
            raise ValueError(f"{n} new tokens do not fit a window of {self.window} with {self.sinks} sinks")
        kept = list(range(self.sinks)) + list(range(self.length - recent, self.length))
        for t in self.keys:
            self.keys[t] = self.keys[t][:, kept]
            self.values[t] = self.values[t][:, kept]
        self.length = len(kept)

    def commit(self, new_kv):
        for t, (k, v) in new_kv.items():
            self.keys[t] = torch.cat([self.keys[t], k], dim=1)
            self.values[t] = torch.cat([self.values[t], v], dim=1)
        self.length += next(iter(new_kv.values()))[0].shape[1]


class Model:
    def __init__(self, config, weights, dtype=torch.float64):
        """weights: {name: tensor} as checkpoint.load returns them (lm_head resolved for tied
        embeddings). Every tensor is upcast exactly to the compute dtype."""
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"compute dtype must be float32 or float64, got {dtype}")
        self.config = config
        self.dtype = dtype
        self.w = {name: t.to(dtype) for name, t in weights.items()}
        self.rope = Rope(config, dtype)
        self.kv_layers = set(config.kv_layers)
        self.scale = config.head_dim ** -0.5

    @classmethod
    def from_folder(cls, folder, dtype=torch.float64):
        config, weights = checkpoint.load(folder)
        return cls(config, weights, dtype)

    def new_cache(self, sinks=None, window=None):
        return Cache(self.config, self.dtype, sinks, window)

    def passes(self, n, mode):
        """P of spec §4 for a cyclic group processing n new tokens."""
        if mode == "exact":
            return n
        if mode == "reference":
            return n if n <= self.config.max_passes or self.config.use_sequential else self.config.max_passes
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")

    def forward(self, cache, ids, mode="reference", passes=None):
        """Processes the new tokens `ids` after what `cache` holds, commits their KV and returns
        logits [len(ids), vocab]. `passes` overrides the pass count of cyclic groups."""
        ids = torch.as_tensor(ids, dtype=torch.int64).reshape(-1)
        n = ids.numel()
        if n == 0:
            raise ValueError("no tokens to process")
        if int(ids.min()) < 0 or int(ids.max()) >= self.config.vocab_size:
            raise ValueError(f"token ids must lie in [0, {self.config.vocab_size})")
        passes = self.passes(n, mode) if passes is None else passes
        if passes < 1:
            raise ValueError("a cyclic group needs at least one pass")
        cache.make_room(n)
        step = _Step(self, cache, n)

        h = self.w["model.embed_tokens.weight"][ids]
        for group in self.config.plan():
            if not group.cyclic:
                for i in group.layers:
                    h = self._layer(i, h, step)
                continue
            for t in self.config.kv_layers:
                if group.start <= t <= group.end:
                    # The working KV before pass 1: real zero vectors, not masked positions.
                    zeros = torch.zeros(self.config.num_kv_heads, n, self.config.head_dim, dtype=self.dtype)
                    step.new_kv[t] = (zeros, zeros)
            start = h
            for _ in range(passes):
                # Layers update step.new_kv in place, so a reader of t > i still finds the
                # previous pass's KV of t and a reader of t <= i finds this pass's.
                h = start
                for i in group.layers:
                    h = self._layer(i, h, step)
        cache.commit(step.new_kv)
        return _rmsnorm(h, self.w["model.norm.weight"], self.config.rms_norm_eps) @ self.w["lm_head.weight"].T

    def _layer(self, i, h, step):
        c = self.config
        p = f"model.layers.{i}."
        n = h.shape[0]
        x = _rmsnorm(h, self.w[p + "input_layernorm.weight"], c.rms_norm_eps)
        q = (x @ self.w[p + "self_attn.q_proj.weight"].T).view(n, c.num_heads, c.head_dim).transpose(0, 1)
        if i in self.kv_layers:
            k = (x @ self.w[p + "self_attn.k_proj.weight"].T).view(n, c.num_kv_heads, c.head_dim).transpose(0, 1)
            v = (x @ self.w[p + "self_attn.v_proj.weight"].T).view(n, c.num_kv_heads, c.head_dim).transpose(0, 1)
            step.new_kv[i] = (k, v)
        source = c.sources[i]
        new_k, new_v = step.new_kv[source]
        keys = torch.cat([step.cache.keys[source], new_k], dim=1)
        values = torch.cat([step.cache.values[source], new_v], dim=1)

        q = rotate(q, step.cos[step.c :], step.sin[step.c :])
        keys = rotate(keys, step.cos, step.sin)
        group = c.num_heads // c.num_kv_heads
        keys = keys.repeat_interleave(group, dim=0)
        values = values.repeat_interleave(group, dim=0)
        attn = attend(q, keys, values, step.mask(c.nodiag(i), c.window(i)), self.scale)

        h = h + attn.transpose(0, 1).reshape(n, c.num_heads * c.head_dim) @ self.w[p + "self_attn.o_proj.weight"].T
        y = _rmsnorm(h, self.w[p + "post_attention_layernorm.weight"], c.rms_norm_eps)
        gate = torch.nn.functional.silu(y @ self.w[p + "mlp.gate_proj.weight"].T)
        return h + (gate * (y @ self.w[p + "mlp.up_proj.weight"].T)) @ self.w[p + "mlp.down_proj.weight"].T


class _Step:
    """What one forward call shares across layers: the cache before the call, the KV of the new
    positions (working or final) and rope tables and masks over cache + new positions."""

    def __init__(self, model, cache, n):
        self.cache = cache
        self.c = cache.length
        self.new_kv = {}
        positions = torch.arange(self.c + n)
        self.cos, self.sin = model.rope.cos_sin(positions)
        self.query_pos = positions[self.c :, None]
        self.key_pos = positions[None, :]
        self._masks = {}

    def mask(self, nodiag, window):
        key = (nodiag, window)
        if key not in self._masks:
            self._masks[key] = visible(self.query_pos, self.key_pos, nodiag, window)
        return self._masks[key]


def visible(query_pos, key_pos, nodiag, window):
    """Which keys a query may attend to (spec §3): earlier positions, its own unless nodiag,
    and with a window only the last `window` positions counting its own."""
    allowed = key_pos < query_pos if nodiag else key_pos <= query_pos
    if window is not None:
        allowed = allowed & (key_pos > query_pos - window)
    return allowed


def attend(q, k, v, allowed, scale):
    """Softmax attention of q [heads, n, d] over k, v [heads, m, d] where allowed [n, m]; a query
    row with no allowed key outputs exactly zero (the paper's zero dummy KV)."""
    has_key = allowed.any(dim=-1, keepdim=True)
    scores = (q @ k.transpose(-1, -2)) * scale
    scores = scores.masked_fill(~allowed, float("-inf")).masked_fill(~has_key, 0.0)
    probs = torch.softmax(scores, dim=-1) * has_key
    return probs @ v


def _rmsnorm(h, weight, eps):
    return weight * (h * torch.rsqrt(h.pow(2).mean(dim=-1, keepdim=True) + eps))


@dataclass
class Generation:
    prefill_logits: torch.Tensor  # [prompt length, vocab]
    inputs: torch.Tensor  # [steps] token fed at each decode step
    logits: torch.Tensor  # [steps, vocab] logits after feeding it
    next_ids: torch.Tensor  # [steps] argmax of those logits


def greedy(model, prompt, steps, prefill_mode="exact", sinks=None, window=None):
    """Prefills `prompt`, then feeds argmax of the latest logits `steps` times, one token per
    step (exact: one pass). Does not stop at eos: goldens want a fixed length."""
    if steps < 1:
        raise ValueError("greedy decoding needs at least one step")
    cache = model.new_cache(sinks, window)
    prefill = model.forward(cache, prompt, prefill_mode)
    token = int(prefill[-1].argmax())
    inputs, logits, next_ids = [], [], []
    for _ in range(steps):
        out = model.forward(cache, [token], "exact")[0]
        inputs.append(token)
        logits.append(out)
        token = int(out.argmax())
        next_ids.append(token)
    return Generation(
        prefill,
        torch.tensor(inputs, dtype=torch.int64),
        torch.stack(logits),
        torch.tensor(next_ids, dtype=torch.int64),
    )
