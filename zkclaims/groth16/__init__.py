"""zkclaims.groth16 (placeholder docstring, replaced by its owner)."""
