"""The parallel electric field of the thermal-electron pressure gradient (paper 000, [16]).

The paper writes the electric field of its kinetic equation (1) "through the total gradient of
the thermal electron pressure": with the thermal electrons in force balance along B (their
inertia neglected),

    e n_e E_par = - d(n_e k T_e)/ds,

so a superthermal electron (charge -e, force -e E_par = -dU/ds) has the potential energy U with

    dU = e E_par ds = -(1/n_e) d(n_e k T_e) = -k T_e d ln n_e - k dT_e     (U and k T_e in eV)

and for an isothermal line U(s) = k T_e ln(n_e(s1) / n_e(s)): it grows away from the Earth as
the density falls. With n_e ~ B^2 above 1000 km and T_e = 3000 K, U at the equator of L = 6 is
about 2.9 eV above its value at 800 km: superthermal electrons lose that much kinetic energy on
the way up, and those below it are turned back.

Here U is taken as 0 at and below s1 (800 km, the top of the homogeneous ionosphere of the
grid) and integrated upward from each hemisphere's s1 with the trapezoid rule in ln n_e, which is
exact for an isothermal line. Below s1 the ionospheric part of the drop (a few tenths of a volt
between 200 and 800 km) is left out: there the levels are kinetic energies. Units: eV, cm^-3.
"""

from __future__ import annotations

import numpy as np

from hpcsim.physics.constants import BOLTZMANN_EV_PER_K


def pressure_potential_eV(n_e_cm3, T_e_K, i_s1_south: int) -> np.ndarray:
    """U(s) of the thermal-electron pressure field at every node, eV (0 up to s1 in both halves).

    Parameters
    ----------
    n_e_cm3 : ndarray (ns,)
        Thermal electron density on the nodes of a line symmetric about its middle node.
    T_e_K : float or ndarray (ns,)
        Thermal electron temperature, K.
    i_s1_south : int
        Index of the southern s1 node (the north one is ns - 1 - i_s1_south).

    The two halves are integrated separately, each from its own s1 to the equator; the values
    must meet there (a background symmetric above s1), otherwise ValueError.
    """
    n = np.asarray(n_e_cm3, dtype=float)
    ns = n.size
    t = np.broadcast_to(np.asarray(T_e_K, dtype=float) * BOLTZMANN_EV_PER_K, (ns,))
    eq = ns // 2
    if np.any(n[i_s1_south:ns - i_s1_south] <= 0):
        raise ValueError("the thermal electron density must be positive above s1")
    u = np.zeros(ns)
    for path in (np.arange(i_s1_south, eq + 1), np.arange(ns - 1 - i_s1_south, eq - 1, -1)):
        ln_n, tp = np.log(n[path]), t[path]
        step = -0.5 * (tp[1:] + tp[:-1]) * np.diff(ln_n) - np.diff(tp)
        u[path] = np.concatenate(([0.0], np.cumsum(step)))
    if not np.allclose(u, u[::-1], rtol=1e-9, atol=1e-9):
        raise ValueError("the pressure potential differs between the two halves of the line "
                         "(the thermal plasma above s1 must be symmetric)")
    return 0.5 * (u + u[::-1])
