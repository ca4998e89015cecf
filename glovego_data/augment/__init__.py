"""Glove augmentation: hand regions, recolour and FLUX.1-Kontext backends, SSIM gate, journal."""
