"""GlovEgo data library: the EHOI-COCO format, Unity SOLO reading, splits and glove augmentation."""

__version__ = "0.1.0"
