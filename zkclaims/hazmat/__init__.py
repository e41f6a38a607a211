"""zkclaims.hazmat (placeholder docstring, replaced by its owner)."""
