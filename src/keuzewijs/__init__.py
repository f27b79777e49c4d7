"""keuzewijs: evidence-based shared decision-making, knowledge as data."""

__version__ = "0.1.0"

__all__ = ["__version__"]
