"""Kefu Assistant engine: analysis, knowledge base, ranking, usage, eval, CLI. Never imports Qt."""

__version__ = "0.1.0"
