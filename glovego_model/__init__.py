"""GlovEgo model library: the EHOI detector, its training engine and the EHOI evaluator."""
