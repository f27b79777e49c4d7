"""Reading knowledge files: YAML (libyaml when present) into a pydantic model, errors as
KnowledgeError naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from keuzewijs.errors import KnowledgeError, location_path

# libyaml's safe loader is several times faster than the pure-Python one (cold start).
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YamlLoader)
    except FileNotFoundError:
        raise KnowledgeError("file is missing", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", path=str(path)
        ) from None
    except RecursionError:
        raise KnowledgeError("nested too deeply to be a knowledge file", path=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise KnowledgeError(
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", path=str(path)
        ) from None


def parse_file(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise KnowledgeError(
            f"{err['msg']}{more}", path=f"{path}: {location_path(err['loc'])}"
        ) from None
