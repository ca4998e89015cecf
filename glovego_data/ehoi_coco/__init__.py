"""EHOI-COCO v1: the dataset format every GlovEgo command reads and writes (shared/spec/ehoi-coco.md)."""

from glovego_data.ehoi_coco.constants import (
    HAND_CATEGORY,
    KEYPOINT_NAMES,
    NUM_KEYPOINTS,
    OKS_SIGMAS,
    REFERENCE_CATEGORIES,
    SKELETON,
)
from glovego_data.ehoi_coco.categories import build_categories, reference_categories
from glovego_data.ehoi_coco.geometry import box_centre, box_iou, decode_offset, image_diagonal, offset_between
from glovego_data.ehoi_coco.info import depth_info, is_v1, make_info
from glovego_data.ehoi_coco.io import (
    canonicalize,
    companion_path,
    dataset_from_dict,
    dataset_to_dict,
    encode_dataset,
    load_dataset,
    read_json,
    save_dataset,
)
from glovego_data.ehoi_coco.schema import Annotation, Category, EhoiDataset, Image, find_hand_category

__all__ = [
    "HAND_CATEGORY",
    "KEYPOINT_NAMES",
    "NUM_KEYPOINTS",
    "OKS_SIGMAS",
    "REFERENCE_CATEGORIES",
    "SKELETON",
    "Annotation",
    "Category",
    "EhoiDataset",
    "Image",
    "box_centre",
    "build_categories",
    "box_iou",
    "canonicalize",
    "companion_path",
    "dataset_from_dict",
    "dataset_to_dict",
    "decode_offset",
    "depth_info",
    "encode_dataset",
    "find_hand_category",
    "image_diagonal",
    "is_v1",
    "load_dataset",
    "make_info",
    "offset_between",
    "read_json",
    "reference_categories",
    "save_dataset",
]
