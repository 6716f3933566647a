"""The `bounce` model: bounce-averaged relativistic electron beam evolution on an L shell
(Khazanov, Liemohn, Krivorutsky, Albert, Kozyra, Gilchrist; paper 001_bb23716bc5c9e956.txt)."""

from hpcsim.models.bounce.config import Config
from hpcsim.models.bounce.model import Model

__all__ = ["Config", "Model"]
