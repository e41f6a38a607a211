"""The statements of zkclaims, one module per circuit, with their built artifacts.

Installed as ``zkclaims.circuits`` (see ``pyproject.toml``).
"""
