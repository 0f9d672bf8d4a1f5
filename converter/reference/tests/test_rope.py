import math

import numpy as np
import torch

from independent_llama import inv_freq as independent_inv_freq
from lckv_ref.config import parse_config
from lckv_ref.rope import Rope, inv_freq, rotate
from lckv_ref.synthetic import tiny_config


def _config(**extra):
    return parse_config(tiny_config(**extra))


def test_default_inv_freq_bits():
    for theta in (10000.0, 500000.0):
        for heads in (4, 1):  # head_dim 16 and 64
            got = inv_freq(_config(rope_theta=theta, heads=heads, kv_heads=1)).numpy()
            want = independent_inv_freq(64 // heads, theta)
            assert got.dtype == np.float32 and np.array_equal(got, want)


def test_linear_scaling_divides_inv_freq_in_float32():
    base = inv_freq(_config())
    scaled = inv_freq(_config(rope_scaling={"rope_type": "linear", "factor": 3.0}))
    assert torch.equal(scaled, base / torch.tensor(3.0, dtype=torch.float32))


def test_llama3_scaling_regions():
    # head_dim 16, theta 1e4: wavelengths 6.3, 19.9, 62.8, 199, 628, ... With original 256 and
    # factors 1/4, wavelengths < 64 are kept, > 256 slowed 8x, 199 is blended.
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 256}
    base = inv_freq(_config()).numpy()
    got = inv_freq(_config(rope_scaling=scaling)).numpy()
    wavelength = 2 * math.pi / base.astype(np.float64)
    kept, slowed = wavelength < 64, wavelength > 256
    blended = ~kept & ~slowed
    assert kept.sum() == 3 and slowed.sum() == 4 and blended.sum() == 1
    assert np.array_equal(got[kept], base[kept])
    assert np.array_equal(got[slowed], base[slowed] / np.float32(8.0))
    smooth = (256 / wavelength[blended] - 1.0) / 3.0
    expected = (1 - smooth) * base[blended] / 8.0 + smooth * base[blended]
    assert np.allclose(got[blended], expected, rtol=1e-6)
    assert base[blended] / 8 < got[blended] < base[blended]


def test_angles_are_float32_products():
    config = _config()
    rope = Rope(config, torch.float64)
    positions = torch.tensor([0, 1, 7, 2000, 100000])
    cos, sin = rope.cos_sin(positions)
    freq = independent_inv_freq(16, 10000.0)
    angles32 = (positions.numpy().astype(np.float32)[:, None] * freq[None, :]).astype(np.float64)
    # torch's and numpy's float64 cos may differ in the last bit
    assert np.allclose(cos[:, :8].numpy(), np.cos(angles32), rtol=0, atol=1e-15) and torch.equal(cos[:, 8:], cos[:, :8])
    assert np.allclose(sin[:, :8].numpy(), np.sin(angles32), rtol=0, atol=1e-15) and torch.equal(sin[:, 8:], sin[:, :8])
    # The float64 angle differs visibly at long positions: that is why the spec fixes float32.
    angles64 = positions.numpy().astype(np.float64)[:, None] * freq[None, :].astype(np.float64)
    assert np.abs(np.cos(angles64) - np.cos(angles32))[3:].max() > 1e-6


def test_rotate_half_is_complex_rotation_of_pairs():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 5, 16, generator=gen, dtype=torch.float64)
    theta = torch.rand(5, 8, generator=gen, dtype=torch.float64) * 10
    cos, sin = torch.cat([theta.cos()] * 2, -1), torch.cat([theta.sin()] * 2, -1)
    got = rotate(x, cos, sin)
    z = torch.complex(x[..., :8], x[..., 8:]) * torch.polar(torch.ones_like(theta), theta)
    assert torch.allclose(got, torch.cat([z.real, z.imag], -1), atol=1e-14)
