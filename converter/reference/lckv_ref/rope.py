"""Rotary position embedding with Hugging Face's float32 arithmetic (spec §3).

inv_freq and the angles pos * inv_freq are float32 results of the same operations, in the same
order, as Hugging Face's Llama rope code: other parts of the project must reproduce these bits,
and at long contexts a float64 angle drifts measurably from the float32 one. Only cos/sin of the
float32 angles may be taken in the compute dtype."""

import math

import torch


def inv_freq(config):
    dim = config.head_dim
    exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float32) / dim
    base = 1.0 / (config.rope_theta ** exponents)
    scaling = config.rope_scaling
    if scaling is None:
        return base
    if scaling.kind == "linear":
        return base / scaling.factor
    return _llama3(base, scaling)


def _llama3(freq, s):
    # Wavelengths shorter than original/high_freq_factor keep their frequency, longer than
    # original/low_freq_factor are slowed by `factor`, and those in between are blended.
    longest_kept = s.original_max_position_embeddings / s.high_freq_factor
    shortest_slowed = s.original_max_position_embeddings / s.low_freq_factor
    wavelength = 2 * math.pi / freq
    slowed = torch.where(wavelength > shortest_slowed, freq / s.factor, freq)
    blend = (s.original_max_position_embeddings / wavelength - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor)
    blended = (1 - blend) * slowed / s.factor + blend * slowed
    between = ~(wavelength < longest_kept) * ~(wavelength > shortest_slowed)
    return torch.where(between, blended, slowed)


class Rope:
    def __init__(self, config, dtype):
        self.inv_freq = inv_freq(config)
        self.dtype = dtype

    def cos_sin(self, positions):
        """cos and sin tables [len(positions), head_dim] for integer positions."""
        angles = positions.to(torch.float32)[:, None] * self.inv_freq[None, :]
        angles = torch.cat([angles, angles], dim=-1).to(self.dtype)
        return angles.cos(), angles.sin()


def rotate(x, cos, sin):
    """Rotate-half rope of x [..., positions, head_dim] with tables for those positions."""
    half = x.shape[-1] // 2
    turned = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + turned * sin
