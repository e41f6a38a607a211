"""zkclaims.domain (placeholder docstring, replaced by its owner)."""
