"""The decision engine: `advise(condition_id, profile, lang) -> Advice`."""

from .advise import advise
from .contract import Advice

__all__ = ["Advice", "advise"]
