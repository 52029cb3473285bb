"""Command groups of the `tierstream` CLI, one module per group (see tierstream/cli.py)."""
