"""Training engine: optimiser groups and schedules, the accelerate loop, validation and run logs."""

from glovego_model.engine.trainer import Trainer, TrainResult, TrainSettings, checkpoint_dirs

__all__ = ["TrainResult", "TrainSettings", "Trainer", "checkpoint_dirs"]
