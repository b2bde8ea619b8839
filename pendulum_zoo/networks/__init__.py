"""The networks layer: the article's policy network and its batched, batch-independent forward pass."""
