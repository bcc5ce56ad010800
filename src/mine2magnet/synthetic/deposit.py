"""The SYNTHETIC deposit: geometry, lithology and the point grade model.

A fault-controlled fluorite–barite–bastnäsite body "of the Beylikova kind" (DOMAIN.md §1),
entirely invented:

* a tabular zone 60–120 m thick lying on the hanging-wall side of a fault that strikes 060°
  and dips 50° towards 150°; about 1.1 km of strike and ~430 m down dip, pinching out at its
  edges; a fault breccia of a few metres along the footwall contact;
* hanging wall: tuffs (``TUFF``); footwall: andesite (``ANDESITE``); everything under a
  weathered cover (``COVER``) 2–25 m thick below a topography with ~100 m of relief;
* inside the body the logarithm of TREO is a smooth trend (a high-grade shoot plunging
  gently along strike, richest in the middle of the zone) plus three spatially correlated
  parts: a smooth Gaussian-covariance field, a short-range exponential field and a nugget.
  The smooth part of log TREO is what a geologist "sees" and logs: ``VEIN_HG`` where it
  exceeds ln 2 % TREO, ``VEIN_LG`` below; ``BRECCIA`` along the footwall. Random fields are
  anisotropic in the body's frame (long along strike, shorter down dip, shortest across).
* rare earths follow a light-REE bastnäsite pattern (between Mountain Pass and Bayan Obo,
  DOMAIN.md §2: Ce > La > Nd > Pr) with a few per cent random variation per sample; ThO2
  about a ninth of TREO (~0.2 % ThO2 at ~1.8 % TREO); fluorite (CaF2) and barite (BaSO4)
  rise with TREO and reach 30–50 % in the richest parts; host rocks carry an alkaline-
  volcanic background (a few hundred ppm TREO) and a thin alteration halo.

The body frame: ``u`` along strike (towards 060°), ``v`` down dip (towards 150°, 50° below
horizontal), ``w`` normal to the fault, positive into the hanging wall (up); origin at
:attr:`DepositModel.origin` on the fault surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mine2magnet.chemistry import CANONICAL_SPECIES, REE, oxide_factor
from mine2magnet.synthetic.fields import CovarianceKind, SpectralField, draw_field

__all__ = [
    "DEM_EXTENT",
    "DEM_SPACING",
    "DENSITY_T_M3",
    "HOST_PATTERN_PPM",
    "LITHOLOGIES",
    "VEIN_CODES",
    "VEIN_PATTERN_PCT",
    "DepositModel",
    "Grid2D",
    "body_position",
    "build_deposit",
    "classify",
    "composition",
    "cover_thickness",
    "to_local",
    "to_world",
    "topography",
    "truth",
]

#: Lithology codes in the order of their integer codes.
LITHOLOGIES: tuple[str, ...] = ("COVER", "TUFF", "ANDESITE", "BRECCIA", "VEIN_LG", "VEIN_HG")
COVER, TUFF, ANDESITE, BRECCIA, VEIN_LG, VEIN_HG = range(6)
VEIN_CODES = (BRECCIA, VEIN_LG, VEIN_HG)

#: Dry bulk density per lithology [t/m³] (fluorite 3.18, barite 4.48, bastnäsite ~5 raise
#: the vein; porous weathered cover is light). Used for the truth table and project.toml.
DENSITY_T_M3: dict[str, float] = {
    "COVER": 2.0,
    "TUFF": 2.45,
    "ANDESITE": 2.65,
    "BRECCIA": 2.95,
    "VEIN_LG": 2.95,
    "VEIN_HG": 3.15,
}

#: Light-REE bastnäsite distribution [% of TREO as oxides], between Mountain Pass and
#: Bayan Obo (Castor & Hedrick 2006 via USGS SIR 2010-5220; DOMAIN.md §2) with small
#: invented heavy-REE traces. SYNTHETIC: the real deposit's distribution is not published.
VEIN_PATTERN_PCT: dict[str, float] = {
    "La": 29.5, "Ce": 49.8, "Pr": 5.1, "Nd": 14.2, "Sm": 0.85, "Eu": 0.15, "Gd": 0.38,
    "Tb": 0.04, "Dy": 0.09, "Ho": 0.015, "Er": 0.03, "Tm": 0.003, "Yb": 0.012, "Lu": 0.0015,
    "Y": 0.22,
}  # fmt: skip

#: Background of the alkaline volcanic host [ppm element], invented but of the usual
#: shape for trachyandesitic volcanics (chondrite-normalised La/Yb ~ 10–20).
HOST_PATTERN_PPM: dict[str, float] = {
    "La": 38.0, "Ce": 75.0, "Pr": 8.2, "Nd": 31.0, "Sm": 5.6, "Eu": 1.5, "Gd": 4.6,
    "Tb": 0.62, "Dy": 3.4, "Ho": 0.62, "Er": 1.7, "Tm": 0.22, "Yb": 1.5, "Lu": 0.21,
    "Y": 17.0,
}  # fmt: skip

_LN_HG = float(np.log(2.0))  # HG/LG logging threshold on the smooth part of ln TREO [-]


@dataclass(frozen=True)
class Grid2D:
    """Values on a regular 2-D grid, evaluated by bilinear interpolation (clamped at edges).

    Attributes
    ----------
    x0, y0 : float
        Coordinates of the first node [m].
    dx, dy : float
        Node spacing [m].
    values : numpy.ndarray
        Node values, shape (ny, nx) (rows along y).
    """

    x0: float
    y0: float
    dx: float
    dy: float
    values: np.ndarray

    @property
    def x(self) -> np.ndarray:
        """Node x coordinates [m]."""
        return self.x0 + self.dx * np.arange(self.values.shape[1])

    @property
    def y(self) -> np.ndarray:
        """Node y coordinates [m]."""
        return self.y0 + self.dy * np.arange(self.values.shape[0])

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear interpolation at points ``x``, ``y`` [m]."""
        ny, nx = self.values.shape
        fx = np.clip((np.asarray(x, float) - self.x0) / self.dx, 0.0, nx - 1.000001)
        fy = np.clip((np.asarray(y, float) - self.y0) / self.dy, 0.0, ny - 1.000001)
        ix, iy = fx.astype(np.int64), fy.astype(np.int64)
        tx, ty = fx - ix, fy - iy
        v = self.values
        top = v[iy, ix] * (1.0 - tx) + v[iy, ix + 1] * tx
        bot = v[iy + 1, ix] * (1.0 - tx) + v[iy + 1, ix + 1] * tx
        return top * (1.0 - ty) + bot * ty


def _grid(field: SpectralField, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(xs, ys)
    return field(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gy.shape)


@dataclass(frozen=True)
class DepositModel:
    """All parameters and drawn random fields of one synthetic deposit.

    Attributes
    ----------
    origin : numpy.ndarray
        A point on the fault surface, (easting, northing, elevation) [m].
    strike_deg, dip_deg : float
        Strike azimuth [deg clockwise from north] and dip [deg below horizontal] of the
        fault; the body dips towards strike + 90°.
    frame : numpy.ndarray
        Rows: unit vectors along strike, down dip and normal (up, into the hanging wall)
        in (easting, northing, elevation) [-], shape (3, 3).
    fields : dict of str to SpectralField
        The 3-D grade fields, evaluated in the body frame (u, v, w).
    grids : dict of str to Grid2D
        Smooth 2-D surfaces: ``topography`` (the DEM, elevation [m] on easting/northing),
        ``cover`` (cover thickness [m]); body geometry on (u, v): ``thickness`` [m] before
        tapering, ``footwall`` (w of the fault) [m], ``breccia`` thickness [m], and the
        edges ``vmax`` (down-dip limit [m] as a function of u) and ``umax`` (strike limit
        [m] as a function of v), stored as one-row grids.
    ln_treo_mean : float
        Offset of the smooth part of ln TREO [-] (TREO in %).
    """

    origin: np.ndarray
    strike_deg: float
    dip_deg: float
    frame: np.ndarray
    fields: dict[str, SpectralField]
    grids: dict[str, Grid2D]
    ln_treo_mean: float

    @property
    def dip_direction_deg(self) -> float:
        """Azimuth of the dip direction [deg]."""
        return (self.strike_deg + 90.0) % 360.0


def _frame(strike_deg: float, dip_deg: float) -> np.ndarray:
    st, dp = np.radians(strike_deg), np.radians(dip_deg)
    along = np.array([np.sin(st), np.cos(st), 0.0])
    dd_h = np.array([np.sin(st + np.pi / 2), np.cos(st + np.pi / 2), 0.0])
    down = np.cos(dp) * dd_h + np.array([0.0, 0.0, -np.sin(dp)])
    normal = np.sin(dp) * dd_h + np.array([0.0, 0.0, np.cos(dp)])
    return np.vstack([along, down, normal])


#: DEM extent and spacing [m] (easting, northing); the shipped topography file holds it.
DEM_EXTENT = (4000.0, 6000.0, 7000.0, 8800.0)
DEM_SPACING = 20.0


def build_deposit(rng: np.random.Generator) -> DepositModel:
    """Draw one synthetic deposit.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded source of randomness; the same state gives the same deposit.

    Returns
    -------
    DepositModel
    """
    origin = np.array([5000.0, 8000.0, 1000.0])
    strike, dip = 60.0, 50.0
    frame = _frame(strike, dip)

    def f2(ranges: tuple[float, ...], n: int = 48) -> SpectralField:
        return draw_field(rng, ranges, "gaussian", n)

    # body geometry on (u, v), 10 m nodes
    us, vs = np.arange(-900.0, 900.1, 10.0), np.arange(-400.0, 900.1, 10.0)
    grids: dict[str, Grid2D] = {}
    grids["thickness"] = Grid2D(
        us[0],
        vs[0],
        10.0,
        10.0,
        np.clip(90.0 + 16.0 * _grid(f2((420.0, 320.0)), us, vs), 60.0, 120.0),
    )
    grids["footwall"] = Grid2D(us[0], vs[0], 10.0, 10.0, 5.0 * _grid(f2((260.0, 220.0)), us, vs))
    grids["breccia"] = Grid2D(
        us[0], vs[0], 10.0, 10.0, np.clip(4.0 + 1.5 * _grid(f2((160.0, 160.0)), us, vs), 1.5, 8.0)
    )
    vmax = 430.0 + 35.0 * f2((520.0,), 32)(us[:, None])
    umax = 540.0 + 25.0 * f2((420.0,), 32)(vs[:, None])
    grids["vmax"] = Grid2D(us[0], 0.0, 10.0, 1.0, np.vstack([vmax, vmax]))
    grids["umax"] = Grid2D(vs[0], 0.0, 10.0, 1.0, np.vstack([umax, umax]))

    # topography (the DEM, rounded to cm as shipped) and cover thickness on easting/northing
    e0, e1, n0, n1 = DEM_EXTENT
    es = np.arange(e0, e1 + 0.1, DEM_SPACING)
    ns = np.arange(n0, n1 + 0.1, DEM_SPACING)
    ge, gn = np.meshgrid(es, ns)
    dd_h = frame[1, :2] / np.linalg.norm(frame[1, :2])
    across = (ge - origin[0]) * dd_h[0] + (gn - origin[1]) * dd_h[1]
    rel_e, rel_n = es - origin[0], ns - origin[1]
    topo = (
        1042.0
        + 0.035 * across
        + 18.0 * _grid(f2((1100.0, 1100.0)), rel_e, rel_n)
        + 5.0 * _grid(f2((320.0, 320.0)), rel_e, rel_n)
    )
    topo = np.round(topo, 2)
    cover = np.clip(
        8.0 + 4.0 * _grid(f2((380.0, 380.0)), rel_e, rel_n) - 0.15 * (topo - 1042.0), 2.0, 25.0
    )
    grids["topography"] = Grid2D(e0, n0, DEM_SPACING, DEM_SPACING, topo)
    grids["cover"] = Grid2D(e0, n0, DEM_SPACING, DEM_SPACING, cover)

    specs: list[tuple[str, tuple[float, float, float], CovarianceKind, int]] = [
        # 3-D grade fields in (u, v, w): smooth logged part, short-range part, minerals
        ("treo_smooth", (260.0, 160.0, 40.0), "gaussian", 192),
        ("treo_short", (90.0, 60.0, 12.0), "exponential", 192),
        ("fluorite", (180.0, 120.0, 25.0), "exponential", 128),
        ("barite", (220.0, 120.0, 20.0), "exponential", 128),
        ("iron", (200.0, 200.0, 40.0), "exponential", 96),
        ("thorium", (150.0, 100.0, 30.0), "gaussian", 96),
        ("host", (500.0, 500.0, 200.0), "gaussian", 48),
    ]
    fields = {name: draw_field(rng, ranges, kind, n) for name, ranges, kind, n in specs}
    return DepositModel(
        origin=origin,
        strike_deg=strike,
        dip_deg=dip,
        frame=frame,
        fields=fields,
        grids=grids,
        ln_treo_mean=float(np.log(0.80)),
    )


def _rotate(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``a @ rows.T`` by explicit sums (no BLAS, so identical bits on every machine)."""
    out = np.empty((len(a), len(rows)))
    for i, r in enumerate(rows):
        out[:, i] = a[:, 0] * r[0] + a[:, 1] * r[1] + a[:, 2] * r[2]
    return out


def to_local(model: DepositModel, xyz: np.ndarray) -> np.ndarray:
    """Easting, northing, elevation [m] → body frame (u along strike, v down dip, w up) [m]."""
    return _rotate(np.asarray(xyz, dtype=float) - model.origin, model.frame)


def to_world(model: DepositModel, uvw: np.ndarray) -> np.ndarray:
    """Body frame (u, v, w) [m] → easting, northing, elevation [m]."""
    return _rotate(np.asarray(uvw, dtype=float), model.frame.T) + model.origin


def topography(model: DepositModel, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ground surface elevation [m] at easting ``x`` and northing ``y`` [m].

    Bilinear interpolation of the 20 m DEM (a regional slope rising ≈3.5 m per 100 m
    towards the hanging wall plus two smooth random components; ~100 m of relief).
    """
    return model.grids["topography"](x, y)


def cover_thickness(model: DepositModel, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Thickness of the weathered cover [m], thicker in low ground, 2–25 m."""
    return model.grids["cover"](x, y)


@dataclass(frozen=True)
class _Geometry:
    w_fw: np.ndarray  # footwall contact (w of the fault) [m]
    thickness: np.ndarray  # effective true thickness after tapering [m]
    breccia: np.ndarray  # breccia thickness [m]
    edge: np.ndarray  # 0 at the body's edges → 1 inside [-]

    def take(self, idx: np.ndarray) -> _Geometry:
        return _Geometry(self.w_fw[idx], self.thickness[idx], self.breccia[idx], self.edge[idx])


def _geometry(model: DepositModel, uvw: np.ndarray) -> _Geometry:
    g = model.grids
    u, v = uvw[:, 0], uvw[:, 1]
    zero = np.zeros_like(u)
    t_full = g["thickness"](u, v)
    vmax = g["vmax"](u, zero)
    umax = g["umax"](v, zero)
    t_u = np.clip((umax - np.abs(u)) / 150.0, 0.0, 1.0)
    t_v = np.clip((vmax - v) / 110.0, 0.0, 1.0)
    return _Geometry(
        w_fw=g["footwall"](u, v),
        thickness=t_full * np.sqrt(t_u * t_v),
        breccia=g["breccia"](u, v),
        edge=np.minimum(t_u, t_v),
    )


def body_position(model: DepositModel, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position relative to the body, from geometry alone (no grade fields).

    Parameters
    ----------
    model : DepositModel
    xyz : numpy.ndarray
        Easting, northing, elevation [m], shape (m, 3).

    Returns
    -------
    inside : numpy.ndarray
        True inside the mineralised body (whatever the cover), shape (m,).
    above_fault : numpy.ndarray
        Signed distance from the fault (footwall contact), positive in the hanging wall [m].
    """
    uvw = to_local(model, xyz)
    geo = _geometry(model, uvw)
    rel = uvw[:, 2] - geo.w_fw
    inside = (rel >= 0.0) & (rel <= geo.thickness) & (geo.thickness > 0.5)
    return inside, rel


def _smooth_ln_treo(
    model: DepositModel, uvw: np.ndarray, geo: _Geometry, z_smooth: np.ndarray | None = None
) -> np.ndarray:
    """Smooth (logged) part of ln TREO [-] inside the body (TREO in %)."""
    if z_smooth is None:
        z_smooth = model.fields["treo_smooth"](uvw)
    u, v = uvw[:, 0], uvw[:, 1]
    s = np.clip((uvw[:, 2] - geo.w_fw) / np.maximum(geo.thickness, 1e-9), 0.0, 1.0)
    u_c = 100.0 + 0.3 * (v - 170.0)  # shoot plunging gently towards +u
    core = np.exp(-0.5 * (((u - u_c) / 210.0) ** 2 + ((v - 170.0) / 150.0) ** 2))
    prof = np.exp(-0.5 * ((s - 0.45) / 0.32) ** 2)
    return (
        model.ln_treo_mean
        + 1.05 * core * (0.5 + 0.5 * prof)
        + 0.25 * prof
        + 0.45 * z_smooth
        - 0.6 * (1.0 - geo.edge)
    )


def classify(model: DepositModel, xyz: np.ndarray) -> np.ndarray:
    """Lithology code (index into :data:`LITHOLOGIES`) at points; −1 above the ground.

    Parameters
    ----------
    model : DepositModel
    xyz : numpy.ndarray
        Easting, northing, elevation [m], shape (m, 3).

    Returns
    -------
    numpy.ndarray
        int8 codes, shape (m,).
    """
    xyz = np.asarray(xyz, dtype=float)
    uvw = to_local(model, xyz)
    geo = _geometry(model, uvw)
    ground = topography(model, xyz[:, 0], xyz[:, 1])
    depth = ground - xyz[:, 2]
    cover = cover_thickness(model, xyz[:, 0], xyz[:, 1])
    rel = uvw[:, 2] - geo.w_fw
    code = np.where(rel > 0.0, TUFF, ANDESITE).astype(np.int8)
    body = (rel >= 0.0) & (rel <= geo.thickness) & (geo.thickness > 0.5)
    if body.any():
        idx = np.flatnonzero(body)
        sub = geo.take(idx)
        ln_s = _smooth_ln_treo(model, uvw[idx], sub)
        c = np.where(ln_s > _LN_HG, VEIN_HG, VEIN_LG)
        c = np.where(rel[idx] < np.minimum(sub.breccia, 0.3 * sub.thickness), BRECCIA, c)
        code[idx] = c
    code[depth < cover] = COVER
    code[depth < 0.0] = -1
    return code


def _pattern(
    rng: np.random.Generator, base: dict[str, float], n: int, sd_l: float, sd_h: float
) -> np.ndarray:
    """Per-sample REE fractions (rows sum to 1) with lognormal jitter, shape (n, 15)."""
    b = np.array([base[e] for e in REE])
    sd = np.array([sd_l if e in ("La", "Ce", "Pr", "Nd") else sd_h for e in REE])
    frac = b * np.exp(sd * rng.standard_normal((n, len(REE))))
    return frac / frac.sum(axis=1, keepdims=True)


def composition(
    model: DepositModel, xyz: np.ndarray, lith: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """True composition of rock at points of known lithology.

    Parameters
    ----------
    model : DepositModel
    xyz : numpy.ndarray
        Easting, northing, elevation [m], shape (m, 3).
    lith : numpy.ndarray
        Lithology codes (see :func:`classify`), shape (m,).
    rng : numpy.random.Generator
        For the nugget (point-scale) variation.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"<El>_ppm"`` for the 15 REE, Th and U [ppm element]; ``CaF2_pct``, ``BaSO4_pct``,
        ``Fe2O3_pct`` and ``TREO_pct`` [wt %]. Keys in a fixed order.
    """
    xyz = np.asarray(xyz, dtype=float)
    n = len(xyz)
    uvw = to_local(model, xyz)
    geo = _geometry(model, uvw)
    f = model.fields
    eps = rng.standard_normal((n, 8))
    vein = np.isin(lith, VEIN_CODES)
    rel = uvw[:, 2] - geo.w_fw
    s = np.clip(rel / np.maximum(geo.thickness, 1e-9), 0.0, 1.0)
    dist = np.maximum(np.maximum(rel - geo.thickness, -rel), 0.0)  # to the body [m]
    dist = np.where(geo.thickness > 0.5, dist, dist + 150.0 * (1.0 - geo.edge) + 20.0)

    # --- host background and alteration halo -------------------------------------------
    host_f = np.exp(0.25 * f["host"](uvw) + 0.15 * eps[:, 0])
    scale = np.select([lith == ANDESITE, lith == COVER], [1.15, 0.85], 1.3) * host_f
    halo = np.where(vein, 0.0, np.exp(-dist / 6.0))
    treo_vein = 0.35 * halo * np.exp(0.5 * eps[:, 1])  # [% TREO] leaking into the host

    # --- the vein ------------------------------------------------------------------------
    zf = np.zeros(n)  # fluorite field, correlated with the smooth TREO field [-]
    zb = np.zeros(n)  # barite field [-]
    if vein.any():
        idx = np.flatnonzero(vein)
        sub = geo.take(idx)
        uvw_v = uvw[idx]
        z_smooth = f["treo_smooth"](uvw_v)
        ln_s = _smooth_ln_treo(model, uvw_v, sub, z_smooth)
        ln_s = np.where(lith[idx] == BRECCIA, ln_s - 0.35, ln_s)
        ln_t = ln_s + 0.35 * f["treo_short"](uvw_v) + 0.25 * eps[idx, 2]
        treo_vein[idx] = np.exp(ln_t)
        zf[idx] = 0.5 * z_smooth + 0.866 * f["fluorite"](uvw_v)
        zb[idx] = f["barite"](uvw_v)
    treo_vein = np.minimum(treo_vein, 12.0)

    frac = _pattern(rng, VEIN_PATTERN_PCT, n, 0.04, 0.12)
    host_pat = _pattern(rng, HOST_PATTERN_PPM, n, 0.05, 0.10)
    host_tot = sum(HOST_PATTERN_PPM.values())
    out: dict[str, np.ndarray] = {}
    for j, el in enumerate(REE):
        ox = oxide_factor(CANONICAL_SPECIES[el])
        vein_ppm = treo_vein * frac[:, j] * 1e4 / ox
        out[f"{el}_ppm"] = vein_ppm + host_pat[:, j] * host_tot * scale
    treo = np.zeros(n)
    for el in REE:
        treo += out[f"{el}_ppm"] * oxide_factor(CANONICAL_SPECIES[el]) * 1e-4

    # --- thorium, uranium ----------------------------------------------------------------
    th_ratio = 0.105 * np.exp(0.2 * f["thorium"](uvw) + 0.12 * eps[:, 3])  # ThO2/TREO [-]
    th_host = np.select([lith == ANDESITE, lith == COVER], [8.0, 10.0], 13.0) * host_f
    th_ppm = treo_vein * th_ratio * 1e4 / oxide_factor("ThO2") + th_host
    u_ppm = np.select([lith == ANDESITE], [1.8], 3.5) * host_f + 0.011 * (
        th_ppm - th_host
    ) * np.exp(0.3 * eps[:, 4])
    out["Th_ppm"] = th_ppm
    out["U_ppm"] = u_ppm

    # --- fluorite, barite, iron ----------------------------------------------------------
    caf2 = np.where(
        vein,
        15.0 * treo_vein**0.55 * np.exp(0.3 * zf + 0.1 * eps[:, 5]),
        0.15 * host_f + 9.0 * halo * np.exp(0.4 * eps[:, 5]),
    )
    baso4 = np.where(
        vein,
        11.0 * treo_vein**0.45 * (0.6 + 0.8 * s) * np.exp(0.4 * zb + 0.1 * eps[:, 6]),
        0.2 * host_f + 5.0 * halo * np.exp(0.4 * eps[:, 6]),
    )
    fe_base = np.select([vein, lith == ANDESITE, lith == COVER], [6.0, 7.2, 6.5], 3.8)
    fe2o3 = fe_base * np.exp(0.25 * f["iron"](uvw) + 0.1 * eps[:, 7])
    # keep the major components physically possible (sum ≤ 86 %, leaving room for
    # silica, carbonate and for analytical and duplicate error)
    other = treo + th_ppm * oxide_factor("ThO2") * 1e-4 + fe2o3
    room = np.maximum(86.0 - other, 1.0)
    shrink = np.minimum(1.0, room / (caf2 + baso4))
    out["CaF2_pct"] = caf2 * shrink
    out["BaSO4_pct"] = baso4 * shrink
    out["Fe2O3_pct"] = fe2o3
    out["TREO_pct"] = treo
    return out


def truth(
    model: DepositModel, rng: np.random.Generator, spacing: tuple[float, float, float]
) -> pd.DataFrame:
    """The true in-situ body below the cover, from a lattice of points in the body frame.

    Parameters
    ----------
    model : DepositModel
    rng : numpy.random.Generator
        For the point-scale (nugget) variation.
    spacing : tuple of float
        Lattice spacing along strike, down dip and across [m]; each point stands for
        that volume.

    Returns
    -------
    pandas.DataFrame
        One row per vein lithology and one for the whole vein (``VEIN``): ``lithology``,
        ``points``, ``volume_m3``, ``density_t_m3``, ``tonnes`` and tonnage-weighted
        ``TREO_pct``, ``NdPr_oxide_pct`` (Pr6O11 + Nd2O3), ``ThO2_pct``, ``CaF2_pct``,
        ``BaSO4_pct``, ``Fe2O3_pct`` [%] (point support).
    """
    du, dv, dw = spacing
    u = np.arange(-700.0 + du / 2, 700.0, du)
    v = np.arange(-300.0 + dv / 2, 700.0, dv)
    w = np.arange(-40.0 + dw / 2, 180.0, dw)
    gu, gv, gw = np.meshgrid(u, v, w, indexing="ij")
    uvw = np.column_stack([gu.ravel(), gv.ravel(), gw.ravel()])
    geo = _geometry(model, uvw)
    rel = uvw[:, 2] - geo.w_fw
    cand = (rel >= 0.0) & (rel <= geo.thickness) & (geo.thickness > 0.5)
    xyz = to_world(model, uvw[cand])
    lith = classify(model, xyz)
    keep = np.isin(lith, VEIN_CODES)
    xyz, lith = xyz[keep], lith[keep]
    comp = composition(model, xyz, lith, rng)
    ndpr = (comp["Pr_ppm"] * oxide_factor("Pr6O11") + comp["Nd_ppm"] * oxide_factor("Nd2O3")) * 1e-4
    tho2 = comp["Th_ppm"] * oxide_factor("ThO2") * 1e-4
    cell = du * dv * dw
    rows = []
    for name, mask in [
        *((LITHOLOGIES[c], lith == c) for c in (VEIN_HG, VEIN_LG, BRECCIA)),
        ("VEIN", np.ones(len(lith), dtype=bool)),
    ]:
        dens = np.array([DENSITY_T_M3[LITHOLOGIES[c]] for c in lith[mask]])
        t = dens * cell
        tonnes = float(t.sum())
        rows.append(
            {
                "lithology": name,
                "points": int(mask.sum()),
                "volume_m3": float(mask.sum() * cell),
                "density_t_m3": tonnes / (mask.sum() * cell),
                "tonnes": tonnes,
                **{
                    k: float(np.average(x[mask], weights=t))
                    for k, x in (
                        ("TREO_pct", comp["TREO_pct"]),
                        ("NdPr_oxide_pct", ndpr),
                        ("ThO2_pct", tho2),
                        ("CaF2_pct", comp["CaF2_pct"]),
                        ("BaSO4_pct", comp["BaSO4_pct"]),
                        ("Fe2O3_pct", comp["Fe2O3_pct"]),
                    )
                },
            }
        )
    return pd.DataFrame(rows)
