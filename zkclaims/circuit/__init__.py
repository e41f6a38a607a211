"""zkclaims.circuit (placeholder docstring, replaced by its owner)."""
