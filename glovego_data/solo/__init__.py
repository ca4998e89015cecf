"""Unity Perception SOLO: reading exports, instance colours, and generating hand scenes."""
