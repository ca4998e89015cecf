"""Pipelines: each command's job as an explicit composition of data and model components."""
