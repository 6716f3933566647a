"""The model registry: model key -> module.

A model module exposes ``Config`` (a frozen dataclass for its input table, with a
``check(run) -> list[Problem]`` method for cross-key checks) and ``Model`` (a class
implementing :class:`hpcsim.models.base.Model`). Modules are imported only when used, so
``hpcsim validate`` for one model does not pay for another's imports.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_REGISTRY = {
    "bounce": "hpcsim.models.bounce",
    "wpi": "hpcsim.models.wpi",
    "fieldline": "hpcsim.models.fieldline",
}


def model_names() -> list[str]:
    return list(_REGISTRY)


def model_module(name: str) -> ModuleType:
    return importlib.import_module(_REGISTRY[name])


def model_config_class(name: str) -> type:
    return model_module(name).Config


def model_class(name: str) -> type:
    return model_module(name).Model
