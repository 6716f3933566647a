"""The (s, mu0) grid of the fieldline model (paper 000, section 3, [22]-[24]).

The field line is a centred dipole of shell L, from the point at ``bottom_km`` (90 km) in the
south, over the equator, to the same altitude in the north. s is the arc length from the
southern end, km. mu0 is the cosine of the equatorial pitch angle (eq. 6),

    mu0 = (mu / |mu|) (1 - (B0 / B(s)) (1 - mu^2))^(1/2),

the adiabatic invariant of a particle without collisions; |mu0| >= mu0B(s) = (1 - B0/B(s))^(1/2)
at s. Below ``s1_km`` (800 km) the field is treated as homogeneous (B = B(s1)), so the
ionospheric nodes all carry the same mu0 points, those of the loss cone
|mu0| >= mu0_lc = (1 - B0/B(s1))^(1/2), ``loss_cone_points`` per direction.

Trapped mu0 values are the values mu0B(s_m) of the magnetospheric nodes themselves: a particle
with mu0 = mu0B(s_m) mirrors exactly at node s_m. At node i the allowed trapped values are those
of the nodes at or beyond it from the equator (mu0B(s_m) >= mu0B(s_i)), so the number of mu0
points grows by one per direction (two in all) for each step in s toward the equator, the
paper's scheme (Khazanov 2011, Figure 7.1).

Everything here is geometry: no physics of collisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hpcsim.geometry import dipole


@dataclass(frozen=True)
class FieldLineGrid:
    """Nodes along the line and the mu0 values, with what each node can hold.

    Attributes
    ----------
    L : float
    s_km : ndarray (ns,)
        Arc length from the southern end, km.
    latitude_rad, altitude_km : ndarray (ns,)
    b_ratio : ndarray (ns,)
        B_eff(s) / B0, with B_eff = B(s1) below s1 (homogeneous ionosphere).
    mu0 : ndarray (nm,)
        All |mu0| values, ascending: the trapped ones (mu0B of magnetospheric nodes) then the
        loss-cone points (uniform cell centres in local |mu| below s1).
    n_loss_cone : int
        Number of loss-cone points (the last ``n_loss_cone`` entries of ``mu0``).
    first_mu0 : ndarray of int (ns,)
        At node i the allowed |mu0| are ``mu0[first_mu0[i]:]``.
    mirror_node : ndarray of int (nm,)
        For trapped values, the southern node where mu0 = mu0B (mirror point); -1 for loss cone.
    mu0_lo, mu0_hi : ndarray (nm,)
        The cell of each mu0 line in mu0: a trapped line owns [its own value, the next value)
        (its lower edge is its mirror value, so at any node a cell is either wholly present or
        absent); the loss-cone lines own the images of the uniform local-|mu| cells at s1. The
        cells tile [mu0B(first node), 1].
    mirror_ratio : ndarray (ns,) or None
        The ratio that sets the local pitch angles, 1 - mu^2 = (1 - mu0^2) mirror_ratio: None
        means ``b_ratio``; in a parallel electric field it is the level's
        (B / B_ref)(E_ref / E(s)) (:meth:`with_kinetic_energy`). ``b_ratio`` stays the magnetic
        ratio (flux-tube area ~ 1 / B).
    accessible : ndarray of bool (ns,) or None
        Nodes an electron of this level can reach (None: all).
    """

    L: float
    s_km: np.ndarray
    latitude_rad: np.ndarray
    altitude_km: np.ndarray
    b_ratio: np.ndarray
    mu0: np.ndarray
    n_loss_cone: int
    first_mu0: np.ndarray
    mirror_node: np.ndarray
    s1_km: float
    mu0_lo: np.ndarray
    mu0_hi: np.ndarray
    mirror_ratio: np.ndarray | None = None
    accessible: np.ndarray | None = None

    @property
    def ns(self) -> int:
        return self.s_km.size

    @property
    def nm(self) -> int:
        return self.mu0.size

    @property
    def pitch_ratio(self) -> np.ndarray:
        """The ratio of 1 - mu^2 to 1 - mu0^2 at each node (``mirror_ratio`` or ``b_ratio``)."""
        return self.b_ratio if self.mirror_ratio is None else self.mirror_ratio

    def local_mu(self, i: int) -> np.ndarray:
        """|mu| at node i of the allowed mu0 values (ascending): (1 - (B/B0)(1 - mu0^2))^(1/2)."""
        return self._node_mu[i]

    @cached_property
    def _node_mu(self) -> list:
        return [self._local_mu_of(i, self.mu0[self.first_mu0[i]:]) for i in range(self.ns)]

    def _local_mu_of(self, i: int, mu0) -> np.ndarray:
        return np.sqrt(np.clip(1.0 - self.pitch_ratio[i] * (1.0 - np.asarray(mu0) ** 2), 0.0, 1.0))

    def local_cell_widths(self, i: int) -> np.ndarray:
        """Widths in local |mu| at node i of the cells of the allowed lines (sum 1): solid-angle weights."""
        return self._cell_widths[i]

    @cached_property
    def _cell_widths(self) -> list:
        out = []
        for i in range(self.ns):
            lines = slice(self.first_mu0[i], None)
            out.append(self._local_mu_of(i, self.mu0_hi[lines]) - self._local_mu_of(i, self.mu0_lo[lines]))
        return out

    def flux_weights(self, i: int) -> np.ndarray:
        """int |mu| d|mu| over each allowed line's cell at node i: (B/B0)(hi^2 - lo^2)/2.

        Times the flux-tube area (~ 1/B) this is the same at every node of a line, so the number
        flux carried by a line is conserved exactly between nodes.
        """
        lines = slice(self.first_mu0[i], None)
        return 0.5 * self.pitch_ratio[i] * (self.mu0_hi[lines] ** 2 - self.mu0_lo[lines] ** 2)

    @property
    def i_s1_south(self) -> int:
        """Index of the southern s1 node (the last node of the homogeneous ionosphere)."""
        return int(np.argmin(np.abs(self.altitude_km[: self.ns // 2] - self.s1_km)))

    def with_kinetic_energy(self, kinetic_eV) -> tuple["FieldLineGrid", list]:
        """The grid of one energy level in a parallel electric field, and its turning-point cuts.

        ``kinetic_eV`` (ns,): the kinetic energy E(s) = W - U(s) of the level's electrons at every
        node (W the level's total energy, U the potential energy, 0 in the ionosphere and
        symmetric about the equator). Along an orbit W and E (1 - mu^2) / B are conserved, so
        1 - mu^2 = (1 - mu0^2) (m(s) / m_ref) with m = B / E: the lines keep their topology (one
        trapped line mirroring at each magnetospheric node, the loss cone through s1) as long as
        m falls monotonically from s1 toward the reference node. The reference is the equator
        when m falls all the way (and E > 0); otherwise the level turns back at the last node
        i* where it still falls: a reflecting cut there (in both halves), m_ref = m(i*), and the
        nodes beyond i* are not accessible. For E = W everywhere this is the grid itself.

        Returns (grid of the level, list of cut nodes: [] or [i*, ns - 1 - i*]).
        """
        kin = np.asarray(kinetic_eV, dtype=float)
        ns, eq, i1 = self.ns, self.ns // 2, self.i_s1_south
        if kin.shape != (ns,) or not np.allclose(kin, kin[::-1], rtol=1e-12, atol=1e-12):
            raise ValueError("kinetic_eV must be one value per node, symmetric about the equator")
        if kin[i1] <= 0:
            raise ValueError("the kinetic energy at s1 must be positive")
        m = np.where(kin > 0, self.b_ratio / np.where(kin > 0, kin, 1.0), np.inf)
        ref = i1
        while ref < eq and kin[ref + 1] > 0 and m[ref + 1] < m[ref]:
            ref += 1
        ratio = np.ones(ns)
        reach = np.zeros(ns, dtype=bool)
        reach[: ref + 1] = True
        reach |= reach[::-1]
        ratio[reach] = m[reach] / m[ref]
        ratio[: i1 + 1] = ratio[i1]
        ratio[ns - 1 - i1:] = ratio[i1]
        mu0, mu0_lo, mu0_hi = _mu0_arrays(ratio, i1 + 1, eq - i1 - 1, self.n_loss_cone)
        grid = FieldLineGrid(L=self.L, s_km=self.s_km, latitude_rad=self.latitude_rad, altitude_km=self.altitude_km,
                             b_ratio=self.b_ratio, mu0=mu0, n_loss_cone=self.n_loss_cone, first_mu0=self.first_mu0,
                             mirror_node=self.mirror_node, s1_km=self.s1_km, mu0_lo=mu0_lo, mu0_hi=mu0_hi,
                             mirror_ratio=ratio, accessible=reach)
        return grid, ([] if ref == eq else [ref, ns - 1 - ref])

    def n_unknowns(self) -> int:
        """Unknowns of one energy level: both directions of every allowed mu0 at every node."""
        return int(2 * np.sum(self.nm - self.first_mu0))


def altitude_nodes_km(bottom_km: float, s1_km: float, step_bottom_km: float, step_s1_km: float) -> np.ndarray:
    """Altitudes from ``bottom_km`` to ``s1_km`` with steps growing geometrically between the two sizes."""
    n = max(2, int(np.ceil(np.log(step_s1_km / step_bottom_km) + (s1_km - bottom_km) * 2.0
                           / (step_bottom_km + step_s1_km))))
    # steps proportional to a geometric sequence, scaled to span the interval exactly
    ratio = (step_s1_km / step_bottom_km) ** (1.0 / max(n - 1, 1))
    steps = step_bottom_km * ratio ** np.arange(n)
    steps *= (s1_km - bottom_km) / steps.sum()
    return np.concatenate(([bottom_km], bottom_km + np.cumsum(steps)))


def build(L: float, bottom_km: float = 90.0, s1_km: float = 800.0, step_bottom_km: float = 2.0,
          step_s1_km: float = 40.0, magnetosphere_cells: int = 60, loss_cone_points: int = 8,
          const: dipole.DipoleConstants = dipole.DEFAULT) -> FieldLineGrid:
    """The grid: ionospheric altitude nodes in both hemispheres, ``magnetosphere_cells`` cells per
    hemisphere between s1 and the equator (uniform in latitude), ``loss_cone_points`` mu0 values
    per direction in the loss cone (uniform in mu0 between mu0_lc and 1, cell centres)."""
    lat_s1 = float(dipole.latitude_at_altitude_rad(L, s1_km, const))
    # southern ionosphere bottom -> s1, then magnetosphere s1 -> equator -> s1, then north
    alt_iono = altitude_nodes_km(bottom_km, s1_km, step_bottom_km, step_s1_km)
    lat_iono = np.array([float(dipole.latitude_at_altitude_rad(L, h, const)) for h in alt_iono])
    lat_mag = np.linspace(lat_s1, 0.0, magnetosphere_cells + 1)[1:]          # s1 excluded, equator included
    south = -np.concatenate((lat_iono, lat_mag))                              # from the bottom up to the equator
    lat = np.concatenate((south, -south[-2::-1]))                             # mirror to the north
    s_m = np.asarray(dipole.arc_length_m(L, lat, const)) - float(dipole.arc_length_m(L, lat[0], const))
    r_over = L * np.cos(lat) ** 2                                             # r / R_E
    altitude = (r_over - 1.0) * const.earth_radius_m / 1e3
    ratio_true = np.asarray(dipole.field_ratio_to_equator(lat))
    ratio_s1 = float(dipole.field_ratio_to_equator(lat_s1))
    b_ratio = np.where(np.abs(lat) >= lat_s1 - 1e-12, ratio_s1, ratio_true)
    n_iono = alt_iono.size
    mag_nodes = np.arange(n_iono, n_iono + magnetosphere_cells - 1)           # southern magnetospheric nodes
    mu0, mu0_lo, mu0_hi = _mu0_arrays(b_ratio, n_iono, magnetosphere_cells - 1, loss_cone_points)
    mirror = np.concatenate((mag_nodes[::-1], np.full(loss_cone_points, -1)))
    mu0b = np.sqrt(np.clip(1.0 - 1.0 / b_ratio, 0.0, None))
    first = np.array([int(np.searchsorted(mu0, m - 1e-12)) for m in mu0b])
    first = np.minimum(first, mu0.size - loss_cone_points)  # the ionosphere (mu0B = mu0_lc) holds the loss cone
    return FieldLineGrid(L=float(L), s_km=s_m / 1e3, latitude_rad=lat, altitude_km=altitude, b_ratio=b_ratio,
                         mu0=mu0, n_loss_cone=int(loss_cone_points), first_mu0=first, mirror_node=mirror,
                         s1_km=float(s1_km),
                         mu0_lo=mu0_lo, mu0_hi=mu0_hi)


def _mu0_arrays(ratio: np.ndarray, n_iono: int, n_trapped: int, loss_cone_points: int):
    """mu0 values and cells from the pitch ratio of the nodes (southern half read).

    Loss-cone points: uniform cell centres in the local |mu| of the (homogeneous) ionosphere,
    mapped to mu0 by eq. (6) with the ratio at s1 (the ionospheric angular grid is a midpoint
    rule). Trapped values: mu0B = (1 - 1/ratio)^(1/2) of the ``n_trapped`` magnetospheric nodes
    after the ``n_iono`` ionospheric ones (equator excluded). Cells: trapped lines
    [own value, next value); loss-cone lines the images of the uniform local-|mu| cells at s1,
    whose lowest edge (local mu 0 at s1) is the loss-cone edge mu0B(s1).
    """
    ratio_s1 = ratio[n_iono - 1]
    mu_iono = (np.arange(loss_cone_points) + 0.5) / loss_cone_points
    lc = np.sqrt(1.0 - (1.0 - mu_iono**2) / ratio_s1)
    trapped = np.sqrt(np.clip(1.0 - 1.0 / ratio[n_iono:n_iono + n_trapped], 0.0, None))  # descending
    lc_edges = np.sqrt(1.0 - (1.0 - (np.arange(loss_cone_points + 1) / loss_cone_points) ** 2) / ratio_s1)
    mu0 = np.concatenate((trapped[::-1], lc))
    mu0_lo = np.concatenate((trapped[::-1], lc_edges[:-1]))
    mu0_hi = np.concatenate((trapped[::-1][1:], lc_edges[:1], lc_edges[1:]))
    return mu0, mu0_lo, mu0_hi
