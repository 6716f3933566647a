"""The `fieldline` model: superthermal electron transport along a whole closed field line between
two conjugate ionospheres (Khazanov, Glocer and Himwich 2014; paper 000_59d2843666811e48.txt).

Modules: ``sources`` (primary spectra, eqs. 13-14, Table 1), ``grid`` (the (s, mu0) grid of
section 3), ``background`` (NRLMSIS, PyIRI, n_e ~ B^p), ``transport`` (one energy level on
petsc4py), ``cascade`` (all levels from the top down with an energy budget), ``diagnostics``
(fluxes, albedo, heating, Figure 7 measures), ``config``, ``model``. Physics and the equations
rebuilt from the sources: docs/physics/fieldline.md.
"""

from hpcsim.models.fieldline.config import Config
from hpcsim.models.fieldline.model import Model

__all__ = ["Config", "Model"]
