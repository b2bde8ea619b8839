"""Files users keep: atomic writes, JSON and .npz reading with clear errors, the policy file format."""
