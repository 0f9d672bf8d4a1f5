"""config.json -> ModelConfig, per spec §1 and §6, and the iteration plan of spec §4."""

import re
from dataclasses import dataclass

# Llama fields the shapes depend on: without them a checkpoint cannot be read unambiguously, so
# they are required instead of taking LlamaConfig's 7B defaults.
_REQUIRED = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size")
_LAYER_TOKEN = re.compile(r"(\d+)(s?)")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class RopeScaling:
    kind: str  # "linear" or "llama3"
    factor: float
    low_freq_factor: float = 0.0
    high_freq_factor: float = 0.0
    original_max_position_embeddings: int = 0


@dataclass(frozen=True)
class Group:
    """Layers start..end (inclusive). A cyclic group is run in several passes (spec §4)."""

    start: int
    end: int
    cyclic: bool

    @property
    def layers(self):
        return range(self.start, self.end + 1)


@dataclass(frozen=True)
class ModelConfig:
    model_type: str
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int
    rms_norm_eps: float
    rope_theta: float
    rope_scaling: object  # RopeScaling or None
    max_position_embeddings: int
    tie_word_embeddings: bool
    bos_token_id: object
    eos_token_ids: tuple
    sources: tuple  # sources[i] = the layer whose KV layer i reads
    windowed: tuple  # windowed[i] = layer i's token carries `s`
    sliding_window: object  # int or None
    forward_passes: int
    backward_passes: int
    force_nodiag: bool
    use_sequential: bool

    @property
    def layer_types(self):
        return "_".join(f"{s}{'s' if w else ''}" for s, w in zip(self.sources, self.windowed))

    @property
    def kv_layers(self):
        return sorted(set(self.sources))

    @property
    def max_passes(self):
        """M of spec §4: the pass count of reference mode for prompts longer than M."""
        return self.forward_passes + max(self.backward_passes, 1)

    def reads_top(self, i):
        return self.sources[i] > i

    def nodiag(self, i):
        return self.force_nodiag or self.reads_top(i)

    def window(self, i):
        """Keys a query of layer i may see counting its own position, or None for unlimited."""
        return self.sliding_window if self.windowed[i] else None

    def plan(self):
        return iteration_plan(self.sources)


def parse_layer_types(text, num_layers):
    """'0_4_4s_5' -> ((0, 4, 4, 5), (False, False, True, False))."""
    if not isinstance(text, str):
        raise ConfigError(f"layer_types must be a string, got {text!r}")
    tokens = text.split("_")
    if len(tokens) != num_layers:
        raise ConfigError(f"layer_types has {len(tokens)} entries for {num_layers} layers: {text!r}")
    sources, windowed = [], []
    for i, token in enumerate(tokens):
        match = _LAYER_TOKEN.fullmatch(token)
        if match is None:
            raise ConfigError(f"layer_types entry {i} is {token!r}, expected an index optionally followed by 's'")
        source = int(match.group(1))
        if source >= num_layers:
            raise ConfigError(f"layer {i} reads layer {source}, but there are {num_layers} layers")
        sources.append(source)
        windowed.append(match.group(2) == "s")
    return tuple(sources), tuple(windowed)


def iteration_plan(sources):
    """Groups of spec §4: maximal runs of layers reading no higher layer run once; a layer that
    reads a higher layer opens a cyclic group whose end grows until it holds every layer its
    members read (twice or more for chains)."""
    groups = []
    i, n = 0, len(sources)
    while i < n:
        if sources[i] <= i:
            end = i
            while end + 1 < n and sources[end + 1] <= end + 1:
                end += 1
            groups.append(Group(i, end, cyclic=False))
        else:
            end = sources[i]
            j = i
            while j <= end:
                end = max(end, sources[j])
                j += 1
            groups.append(Group(i, end, cyclic=True))
        i = end + 1
    return groups


def _int(d, key, default=None):
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be an integer, got {value!r}")
    return value


def _bool(d, key, default):
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{what} must be a number, got {value!r}")
    return float(value)


def _rope_scaling(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"rope_scaling must be an object or null, got {value!r}")
    # Hugging Face renamed "type" to "rope_type" and still reads both.
    kind = value.get("rope_type", value.get("type"))
    if kind == "default":
        return None
    if kind == "linear":
        factor = _number(value.get("factor"), "rope_scaling.factor")
        if factor <= 0:
            raise ConfigError(f"rope_scaling.factor must be positive, got {factor}")
        return RopeScaling("linear", factor)
    if kind == "llama3":
        factor = _number(value.get("factor"), "rope_scaling.factor")
        low = _number(value.get("low_freq_factor"), "rope_scaling.low_freq_factor")
        high = _number(value.get("high_freq_factor"), "rope_scaling.high_freq_factor")
        original = value.get("original_max_position_embeddings")
        if isinstance(original, bool) or not isinstance(original, int) or original <= 0:
            raise ConfigError(f"rope_scaling.original_max_position_embeddings must be a positive integer, got {original!r}")
        if factor <= 0 or low <= 0 or high <= low:
            # high == low would divide by zero in the smoothing between the two wavelengths.
            raise ConfigError(f"llama3 rope_scaling needs factor > 0 and 0 < low_freq_factor < high_freq_factor: {value}")
        return RopeScaling("llama3", factor, low, high, original)
    raise ConfigError(f"rope_scaling type {kind!r} is not supported (null, linear or llama3)")


def _opt_llama(d, num_layers):
    """Spec §6: maps the paper's first config (codes 0/1/2 + target_layer) to the current form.
    Returns (layer_types string, forward_passes, backward_passes)."""
    num_trained = _int(d, "num_trained_encoders", 1)
    if "train_last_encoder" in d:
        # Deprecated predecessor of num_trained_encoders; it wins, as in the original config.
        old = d["train_last_encoder"]
        if old == "none":
            num_trained = 0
        elif old == "encoder":
            num_trained = 1
        else:
            # An integer or its decimal string; int() would also take true or 2.7, which the
            # converter refuses, so refuse them here too.
            if isinstance(old, bool) or not isinstance(old, (int, str)):
                raise ConfigError(f"train_last_encoder must be 'none', 'encoder' or an integer, got {old!r}")
            try:
                num_trained = int(old)
            except ValueError:
                raise ConfigError(f"train_last_encoder must be 'none', 'encoder' or an integer, got {old!r}") from None
    num_encoders = _int(d, "num_encoders", 8)
    if num_trained < 0 or num_encoders < num_trained:
        raise ConfigError(f"need 0 <= num_trained_encoders ({num_trained}) <= num_encoders ({num_encoders})")

    codes_text = d.get("layer_types")
    target = _int(d, "target_layer", -1)
    if "num_warmup_layers" in d:
        # Deprecated: the first num_warmup_layers layers are standard, the rest read the last.
        warmup = _int(d, "num_warmup_layers")
        if not 0 <= warmup < num_layers:
            raise ConfigError(f"num_warmup_layers must be in [0, {num_layers}), got {warmup}")
        codes_text = "_".join(["0"] * warmup + ["1"] * (num_layers - warmup - 1) + ["2"])
        target = num_layers - 1
    if codes_text is None:
        codes_text = "_".join(["0"] * num_layers)
    if not isinstance(codes_text, str):
        raise ConfigError(f"layer_types must be a string, got {codes_text!r}")
    tokens = codes_text.split("_")
    if len(tokens) != num_layers:
        raise ConfigError(f"layer_types has {len(tokens)} entries for {num_layers} layers: {codes_text!r}")
    if any(t not in ("0", "1", "2") for t in tokens):
        raise ConfigError(f"opt-llama layer_types codes must be 0, 1 or 2: {codes_text!r}")
    codes = [int(t) for t in tokens]
    target %= num_layers
    if codes.count(2) != 1:
        raise ConfigError(f"opt-llama needs exactly one layer of code 2, found {codes.count(2)}: {codes_text!r}")
    if codes[target] != 2:
        raise ConfigError(f"the code-2 layer is {codes.index(2)} but target_layer is {target}")
    mapped = "_".join(str(i if c == 0 else target) for i, c in enumerate(codes))
    return mapped, num_encoders - num_trained, num_trained + 1


def parse_config(d):
    if not isinstance(d, dict):
        raise ConfigError("config.json must hold a JSON object")
    model_type = d.get("model_type")
    if model_type not in ("lckv-llama", "llama", "opt-llama"):
        raise ConfigError(f"model_type {model_type!r} is not one of lckv-llama, llama, opt-llama")
    for key in _REQUIRED:
        if key not in d:
            raise ConfigError(f"config.json lacks {key}")
        if _int(d, key) <= 0:
            raise ConfigError(f"{key} must be positive")
    if d.get("hidden_act", "silu") != "silu":
        raise ConfigError(f"hidden_act {d['hidden_act']!r} is not silu")
    for key in ("attention_bias", "mlp_bias"):
        if d.get(key, False):
            raise ConfigError(f"{key} is set, but the model has no biases (spec §2)")

    num_layers = d["num_hidden_layers"]
    num_heads = d["num_attention_heads"]
    kv_heads = d.get("num_key_value_heads")
    kv_heads = num_heads if kv_heads is None else _int(d, "num_key_value_heads")
    if kv_heads <= 0 or num_heads % kv_heads:
        raise ConfigError(f"num_attention_heads {num_heads} is not a multiple of num_key_value_heads {kv_heads}")
    head_dim = d.get("head_dim")
    if head_dim is None:
        if d["hidden_size"] % num_heads:
            raise ConfigError("hidden_size is not a multiple of num_attention_heads and head_dim is not given")
        head_dim = d["hidden_size"] // num_heads
    elif _int(d, "head_dim") <= 0 or head_dim % 2:
        raise ConfigError(f"head_dim must be a positive even integer, got {head_dim}")

    if "rope_parameters" in d and d["rope_parameters"] is not None:
        # Newer Hugging Face configs move rope_theta there; reading only rope_theta would silently
        # use the default theta, so refuse as the converter does.
        raise ConfigError("rope_parameters is not supported yet: write rope_theta and rope_scaling instead")
    if model_type == "llama":
        if _bool(d, "force_nodiag", False):
            raise ConfigError("force_nodiag must be false for model_type llama; use lckv-llama for LCKV behaviour")
        # A plain Llama: every layer reads itself, whatever other LCKV fields the file carries.
        layer_types = "_".join(map(str, range(num_layers)))
        forward_passes, backward_passes, force_nodiag = 7, 2, False
    elif model_type == "opt-llama":
        layer_types, forward_passes, backward_passes = _opt_llama(d, num_layers)
        force_nodiag = True
    else:
        layer_types = d.get("layer_types")
        if layer_types is None:
            layer_types = "_".join(map(str, range(num_layers)))
        forward_passes = _int(d, "forward_passes", 7)
        backward_passes = _int(d, "backward_passes", 2)
        if forward_passes < 0 or backward_passes < 0:
            raise ConfigError("forward_passes and backward_passes must not be negative")
        force_nodiag = _bool(d, "force_nodiag", False)
    sources, windowed = parse_layer_types(layer_types, num_layers)

    sliding_window = d.get("sliding_window", 4096) if model_type == "lckv-llama" else None
    if sliding_window is not None and _int(d, "sliding_window", 4096) <= 0:
        raise ConfigError(f"sliding_window must be positive or null, got {sliding_window}")

    eos = d.get("eos_token_id", 2)
    eos_ids = tuple(eos) if isinstance(eos, list) else (() if eos is None else (eos,))
    if any(isinstance(e, bool) or not isinstance(e, int) for e in eos_ids):
        raise ConfigError(f"eos_token_id must be an integer or a list of integers, got {eos!r}")

    return ModelConfig(
        model_type=model_type,
        hidden_size=d["hidden_size"],
        intermediate_size=d["intermediate_size"],
        num_layers=num_layers,
        num_heads=num_heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        vocab_size=d["vocab_size"],
        rms_norm_eps=_number(d.get("rms_norm_eps", 1e-6), "rms_norm_eps"),
        rope_theta=_number(d.get("rope_theta", 10000.0), "rope_theta"),
        rope_scaling=_rope_scaling(d.get("rope_scaling")),
        max_position_embeddings=_int(d, "max_position_embeddings", 2048),
        tie_word_embeddings=_bool(d, "tie_word_embeddings", False),
        bos_token_id=d.get("bos_token_id", 1),
        eos_token_ids=eos_ids,
        sources=sources,
        windowed=windowed,
        sliding_window=sliding_window,
        forward_passes=forward_passes,
        backward_passes=backward_passes,
        force_nodiag=force_nodiag,
        use_sequential=_bool(d, "use_sequential", False) if model_type != "llama" else False,
    )
