"""Data for the detector: an index built once per EHOI-COCO file, augmentation, step-addressed batches."""

from glovego_model.data.index import DatasetIndex, ImageRecord, build_index, category_names
from glovego_model.data.loader import AugmentConfig, ConcatIndex, StepBatchSampler, train_loader
from glovego_model.data.targets import labels_to, pixel_tensor, sample_targets
from glovego_model.data.transforms import Sample, hflip, load_sample, photometric_jitter, resize

__all__ = [
    "AugmentConfig", "ConcatIndex", "DatasetIndex", "ImageRecord", "Sample", "StepBatchSampler", "build_index",
    "category_names", "hflip", "labels_to", "load_sample", "photometric_jitter", "pixel_tensor", "resize",
    "sample_targets", "train_loader",
]
