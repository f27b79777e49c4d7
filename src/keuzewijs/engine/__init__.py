"""The decision engine: `advise(condition_id, profile, lang) -> Advice`.

The public face: what the boundaries use is exported here; the modules behind it (advise,
compiled, run, outcomes) are internal (import-linter contract in pyproject.toml). The Advice
contract's classes are in `keuzewijs.engine.contract`, a public module.

`advise` and `compiled` share their names with their modules: import the package and call
`engine.advise(...)` / `engine.compiled(...)`, since `from keuzewijs.engine import compiled`
reads to import-linter as importing the internal module."""

from .advise import advise, advise_pack
from .compiled import Compiled, compiled, fields_of
from .contract import Advice

__all__ = ["Advice", "Compiled", "advise", "advise_pack", "compiled", "fields_of"]
