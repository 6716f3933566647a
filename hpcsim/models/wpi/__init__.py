"""The `wpi` model: electron precipitation induced by short whistler-mode pulses, test particles
(Inan, Bell and Chang 1982; paper 002_9a0838dcf9220858.txt).

Modules: ``medium`` (cold plasma, whistler dispersion), ``motion`` (gyroresonance equations of
motion, numba RK4), ``distribution`` (eqs. 4-5), ``ensemble`` (front positions, test-particle
mesh), ``precipitation`` (loss cone, travel times, impulse responses, eq. 9), ``config``,
``model``. Physics and numerics: docs/physics/wpi_motion.md, docs/physics/wpi_model.md.
"""

from hpcsim.models.wpi.config import Config
from hpcsim.models.wpi.model import Model

__all__ = ["Config", "Model"]
