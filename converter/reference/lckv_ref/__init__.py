"""Numeric reference (oracle) for LCKV models: config and checkpoint loading per
shared/spec/lckv-model.md and a float64 forward that other parts of LCKV Serve are tested
against."""

from .checkpoint import CheckpointError, load
from .config import ConfigError, ModelConfig, iteration_plan, parse_config
from .model import MODES, Cache, Model, greedy

__all__ = [
    "CheckpointError",
    "ConfigError",
    "Cache",
    "MODES",
    "Model",
    "ModelConfig",
    "greedy",
    "iteration_plan",
    "load",
    "parse_config",
]
