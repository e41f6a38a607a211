"""zkclaims.groups (placeholder docstring, replaced by its owner)."""
