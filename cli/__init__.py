"""The `glovego` command line: parses arguments, calls a pipeline, prints with rich."""
