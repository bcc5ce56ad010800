"""Compiled kernels of the cascade solver (numba). Private: use :mod:`.cascade`.

The steady state of a countercurrent cascade with separation-factor equilibrium is solved
in the *stage-ratio* formulation. Every stage ``k`` has one scalar ``theta[k]`` such that the
equilibrium organic flow of element ``i`` is ``y*_ki = theta[k] * beta[i] * x_ki`` (flows,
mol/h). For fixed ``theta`` the balances of each element are a linear, block-bidiagonal
system whose matrix is a nonsingular M-matrix: one forward elimination and one back
substitution (a Thomas sweep) give every flow, all non-negative, to relative rounding
accuracy element by element, whatever their magnitude. The closure of each stage fixes
``theta``:

* kind 0, fixed ratio: ``theta`` given (linear equilibrium; Kremser; stripping stages);
* kind 1, fixed organic loading ``L`` (saponification; Xu's constant mixed extraction
  ratio): ``theta * s = L`` with ``s = sum_i beta_i x_ki``;
* kind 2, loading limited (competitive Langmuir, capacity ``Q``, affinity ``kappa``):
  ``theta * (1 + kappa * s) = kappa * Q``.

The unknowns ``phi = ln theta`` of kinds 1 and 2 are found by Newton's method on the closure
residuals with an Armijo backtracking line search on ``|r|^2``. Any positive ``theta`` is a
feasible state (all flows non-negative), so the iteration can start anywhere. Newton can
stall far from the solution where pinch zones or inventories of an element (an element
whose extraction factor is close to one over many stages accumulates) make the problem
nearly singular on the way. The solver then tries pseudo-transient continuation (implicit
pseudo-time steps that grow into Newton steps), Anderson-accelerated successive
substitution and, as the safety net, runs the cascade's own start-up dynamics (discrete
cycles of mixing, settling and phase transfer, whose fixed point is the steady state and
which converge from any state) in blocks, retrying Newton after each; Newton finishes the
job as soon as the state is in its basin.

Stage efficiency ``eta`` (Murphree, organic phase): ``y_k = c_k y_in + eta_k y*_k`` with the
carry ``c_k = 1 - eta_k`` (classic Murphree), or, for fixed-loading stages where the
organic's loading is set by stoichiometry, ``c_k = (1 - eta_k) L_k / Y_in`` so that the
organic leaves with exactly ``L_k`` of a composition ``(1 - eta)`` parts the entering and
``eta`` parts the equilibrium one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []

_TINY = 1e-300
_PHI_MAX = 300.0  # |ln theta| bound: keeps every flow finite


@njit(cache=True)
def _factor(theta, beta_i, eta, carry, link, den, dco, hco):
    """Elimination coefficients of one element for given ``theta`` (independent of sources).

    The forward elimination writes ``y_{k-1} = a + b x_k``; ``0 <= b < 1``. It carries
    ``e = 1 - b`` instead of ``b``, so that every pivot ``1 + g - (1 - c) b = c +
    (1 - c) e + g`` is a sum of non-negative terms: no cancellation, whatever the stage
    ratios (an extraction factor of 1e100 next to one of 1e-100 is fine).
    """
    n = theta.shape[0]
    e_prev = 1.0
    for k in range(n):
        g = eta[k] * theta[k] * beta_i
        d = carry[k] + (1.0 - carry[k]) * e_prev + g
        den[k] = d
        dco[k] = link[k] / d
        hco[k] = carry[k] * (1.0 - e_prev) + g
        e_prev = e_prev / d if link[k] != 0.0 else 1.0


@njit(cache=True)
def _sweep(theta, beta_i, eta, carry, link, r1, r2, den, dco, hco, cwork, x, y):
    """Solve the balances of one element for sources ``r1`` (equilibrium rows), ``r2``.

    ``r1`` and ``r2`` are the element's rows of the ``(ncomp, n)`` source arrays.

    Rows: ``y_k - c_k y_{k-1} - eta_k theta_k beta x_k = r1_k`` and
    ``x_k + y_k - y_{k-1} - link_k x_{k+1} = r2_k``.
    """
    n = theta.shape[0]
    a_prev = 0.0
    for k in range(n):
        c = (r2[k] - r1[k] + (1.0 - carry[k]) * a_prev) / den[k]
        cwork[k] = c
        a_prev = r1[k] + carry[k] * a_prev + hco[k] * c
    nxt = 0.0
    for k in range(n - 1, -1, -1):
        nxt = cwork[k] + dco[k] * nxt
        x[k] = nxt
    prev = 0.0
    for k in range(n):
        prev = r1[k] + carry[k] * prev + eta[k] * theta[k] * beta_i * x[k]
        y[k] = prev


@njit(cache=True)
def _evaluate(
    phi, free, theta_fixed, beta, eta, carry, link, r1, r2, kind, p1, p2, atot, x, y, s, r, work
):
    """All flows for ``phi`` and the closure residual ``r`` of the free stages.

    ``atot[k] > 0`` is the known aqueous total of a fixed-loading stage; its residual then
    uses the mean extractability ``s_k / X_k`` of the stage (bubble-point form), which is
    bounded by the smallest and largest beta and keeps every iterate well scaled.
    """
    n = theta_fixed.shape[0]
    ncomp = beta.shape[0]
    theta = work[0]
    den = work[1]
    dco = work[2]
    hco = work[3]
    cw = work[4]
    xc = work[5]
    yc = work[6]
    xt = work[7]
    for k in range(n):
        theta[k] = theta_fixed[k]
    for j in range(free.shape[0]):
        theta[free[j]] = np.exp(min(max(phi[j], -_PHI_MAX), _PHI_MAX))
    for k in range(n):
        s[k] = 0.0
        xt[k] = 0.0
    for i in range(ncomp):
        _factor(theta, beta[i], eta, carry, link, den, dco, hco)
        _sweep(theta, beta[i], eta, carry, link, r1[i], r2[i], den, dco, hco, cw, xc, yc)
        for k in range(n):
            x[k, i] = xc[k]
            y[k, i] = yc[k]
            s[k] += beta[i] * xc[k]
            xt[k] += xc[k]
    for j in range(free.shape[0]):
        k = free[j]
        sk = max(s[k], _TINY)
        ph = np.log(theta[k])
        if kind[k] == 1 and atot[k] > 0.0:
            r[j] = ph + np.log(sk) - np.log(max(xt[k], _TINY)) - np.log(p1[k] / atot[k])
        elif kind[k] == 1:
            r[j] = ph + np.log(sk) - np.log(p1[k])
        else:
            r[j] = ph + np.log1p(p2[k] * sk) - np.log(p2[k] * p1[k])


@njit(cache=True)
def _evaluate_prob(phi, prob, beta, x, y, s, r, work):  # pragma: no cover - compiled
    """:func:`_evaluate` with the cascade's fixed data packed in ``prob``."""
    theta_fixed, free, eta, carry, link, r1, r2, kind, p1, p2, atot = prob
    _evaluate(
        phi, free, theta_fixed, beta, eta, carry, link, r1, r2, kind, p1, p2, atot,
        x, y, s, r, work,
    )  # fmt: skip


@njit(cache=True)
def _jacobian(phi, free, theta_fixed, beta, eta, carry, link, kind, p2, atot, x, s, jac, work):
    """Jacobian d r_k / d phi_j of the closure residuals (dense, free stages only)."""
    n = theta_fixed.shape[0]
    ncomp = beta.shape[0]
    nf = free.shape[0]
    theta = work[0]
    den = work[1]
    dco = work[2]
    hco = work[3]
    cw = work[4]
    dx = work[5]
    for k in range(n):
        theta[k] = theta_fixed[k]
    for j in range(nf):
        theta[free[j]] = np.exp(min(max(phi[j], -_PHI_MAX), _PHI_MAX))
    ds = np.zeros((n, nf))
    dxt = np.zeros((n, nf))
    xtot = work[7]
    for k in range(n):
        xtot[k] = 0.0
        for i in range(ncomp):
            xtot[k] += x[k, i]
    for i in range(ncomp):
        bi = beta[i]
        _factor(theta, bi, eta, carry, link, den, dco, hco)
        for jj in range(nf):
            j = free[jj]
            # d/dtheta_j: source eta_j beta x_j on the equilibrium row of stage j only
            src = eta[j] * bi * x[j, i]
            if src == 0.0:
                continue
            for k in range(j):
                cw[k] = 0.0
            c = -src / den[j]
            cw[j] = c
            a_prev = src + hco[j] * c
            for k in range(j + 1, n):
                c = (1.0 - carry[k]) * a_prev / den[k]
                cw[k] = c
                a_prev = carry[k] * a_prev + hco[k] * c
            nxt = 0.0
            for k in range(n - 1, -1, -1):
                nxt = cw[k] + dco[k] * nxt
                dx[k] = nxt
            scale = theta[j]  # d/dphi_j = theta_j d/dtheta_j
            for k in range(n):
                ds[k, jj] += bi * dx[k] * scale
                dxt[k, jj] += dx[k] * scale
    for a in range(nf):
        k = free[a]
        sk = max(s[k], _TINY)
        w = 1.0 / sk if kind[k] == 1 else p2[k] / (1.0 + p2[k] * sk)
        for b in range(nf):
            jac[a, b] = w * ds[k, b]
        if kind[k] == 1 and atot[k] > 0.0:
            wx = 1.0 / max(xtot[k], _TINY)
            for b in range(nf):
                jac[a, b] -= wx * dxt[k, b]
        jac[a, a] += 1.0


@njit(cache=True)
def _newton(phi, prob, beta, tol, max_iter, max_step, x, y, s, r, work):
    """Damped Newton on the closure residuals, in place on ``phi``, ``x``, ``y``, ``s``, ``r``.

    Armijo backtracking on ``|r|^2``; gives up when the line search fails or stalls (step
    below 1/16) three times running. Returns ``(converged, iterations)``.
    """
    theta_fixed, free, eta, carry, link, _, _, kind, _, p2, atot = prob
    n = theta_fixed.shape[0]
    ncomp = beta.shape[0]
    nf = free.shape[0]
    jac = np.empty((nf, nf))
    xt = np.empty((n, ncomp))
    yt = np.empty((n, ncomp))
    st = np.empty(n)
    rt = np.empty(nf)
    phit = np.empty(nf)
    rmax = np.max(np.abs(r)) if nf else 0.0
    it = 0
    stalls = 0
    while rmax > tol:
        if it >= max_iter:
            return False, it
        it += 1
        _jacobian(phi, free, theta_fixed, beta, eta, carry, link, kind, p2, atot, x, s, jac, work)
        if not np.all(np.isfinite(jac)):
            return False, it
        try:
            step = np.linalg.solve(jac, -r)
        except Exception:  # singular Jacobian
            return False, it
        big = np.max(np.abs(step))
        if not np.isfinite(big):
            return False, it
        if big > max_step:
            step *= max_step / big
        merit = np.dot(r, r)
        lam = 1.0
        accepted = False
        for _ in range(30):
            for j in range(nf):
                phit[j] = phi[j] + lam * step[j]
            _evaluate_prob(phit, prob, beta, xt, yt, st, rt, work)
            mt = np.dot(rt, rt)
            if mt <= (1.0 - 1e-4 * lam) * merit:
                accepted = True
                break
            lam *= 0.5
        if not accepted:
            return False, it
        stalls = stalls + 1 if lam < 0.0625 else 0
        if stalls >= 3:
            return False, it
        phi[:] = phit
        x[:, :] = xt
        y[:, :] = yt
        s[:] = st
        r[:] = rt
        rmax = np.max(np.abs(r))
    return True, it


@njit(cache=True)
def _ptc(phi, prob, beta, tol, max_iter, max_step, x, y, s, r, work):
    """Pseudo-transient continuation (Kelley & Keyes 1998) on the closure residuals.

    Each step solves ``(I / dt + J) dphi = -r``: for a small pseudo time step ``dt`` a
    cautious implicit step along the residual flow ``dphi/dt = -r`` (whose fixed point is
    the steady state), for a large one Newton's step. Every finite step is taken and
    ``dt = |r_0| / |r|`` (switched evolution relaxation, Mulder & van Leer 1985): the step
    stays cautious while the residual is large and becomes Newton's as it falls. This
    crosses the nearly singular regions where a pinch zone or an inventory forms — where
    plain Newton's line search stalls — and ends with Newton's quadratic convergence. In
    place; returns ``(converged, iterations)``.
    """
    theta_fixed, free, eta, carry, link, _, _, kind, _, p2, atot = prob
    n = theta_fixed.shape[0]
    ncomp = beta.shape[0]
    nf = free.shape[0]
    jac = np.empty((nf, nf))
    xt = np.empty((n, ncomp))
    yt = np.empty((n, ncomp))
    st = np.empty(n)
    rt = np.empty(nf)
    phit = np.empty(nf)
    norm0 = np.sqrt(np.dot(r, r))
    if not np.isfinite(norm0):
        return False, 0
    dt = 1.0
    it = 0
    while np.max(np.abs(r)) > tol:
        if it >= max_iter:
            return False, it
        it += 1
        _jacobian(phi, free, theta_fixed, beta, eta, carry, link, kind, p2, atot, x, s, jac, work)
        if not np.all(np.isfinite(jac)):
            return False, it
        for j in range(nf):
            jac[j, j] += 1.0 / dt
        try:
            step = np.linalg.solve(jac, -r)
        except Exception:  # singular: shorten the pseudo time step
            dt *= 0.25
            continue
        big = np.max(np.abs(step))
        if not np.isfinite(big):
            dt *= 0.25
            continue
        if big > max_step:
            step *= max_step / big
        for j in range(nf):
            phit[j] = phi[j] + step[j]
        _evaluate_prob(phit, prob, beta, xt, yt, st, rt, work)
        nt = np.sqrt(np.dot(rt, rt))
        if not np.isfinite(nt):
            dt *= 0.25
            continue
        phi[:] = phit
        x[:, :] = xt
        y[:, :] = yt
        s[:] = st
        r[:] = rt
        dt = min(max(norm0 / max(nt, 1e-300), 1e-3), 1e15)
    return True, it


@njit(cache=True)
def _stage_ratio(m, yin, beta, eta, carry, kind, p1, p2, th0):
    """Ratio ``theta`` of one stage holding ``m`` (organic part ``yin`` entered as organic).

    Solves the stage closure for the aqueous ``x_i = (m_i - c yin_i)/(1 + eta theta
    beta_i)``: loading ``sum theta beta x = L`` (kind 1) or the Langmuir relation (kind 2);
    both sides are monotone in ``theta``, so Newton in ``ln theta`` with bounded steps
    converges. Returns a huge ratio when the stage holds less than ``L`` (start-up).
    """
    c = m.shape[0]
    if kind == 1:
        cap = 0.0
        for i in range(c):
            cap += (m[i] - carry * yin[i]) / eta
        if cap <= p1 * (1.0 + 1e-12):
            return 1e250
    ph = np.log(min(max(th0, 1e-250), 1e250))
    for _ in range(200):
        th = np.exp(ph)
        f = 0.0
        df = 0.0
        s = 0.0
        ds = 0.0
        for i in range(c):
            q = eta * th * beta[i]
            a = m[i] - carry * yin[i]
            d = 1.0 + q
            f += th * beta[i] * a / d
            df += th * beta[i] * a / (d * d)
            s += beta[i] * a / d
            ds -= beta[i] * a * q / (d * d)
        if kind == 1:
            g = np.log(max(f, 1e-300)) - np.log(p1)
            dg = df / max(f, 1e-300)
        else:
            g = ph + np.log1p(p2 * s) - np.log(p2 * p1)
            dg = 1.0 + p2 * ds / (1.0 + p2 * s)
        step = -g / dg if dg > 0.0 else -g
        step = max(-2.0, min(2.0, step))
        ph += step
        if abs(step) < 1e-13:
            break
    return np.exp(ph)


@njit(cache=True)
def _cycles(beta, eta, carry, link, kind, p1, p2, theta, fa, fo, x, y, ncyc):
    """Run ``ncyc`` start-up cycles of the cascade, in place on ``theta``, ``x``, ``y``.

    One cycle takes the stages in the organic's direction: each receives the organic that
    just left the stage below, the aqueous that left the stage above in the previous
    cycle and its feeds, and settles to its closure (a discrete-time picture of a mixer-
    settler cascade starting up). Its fixed point is the steady state; the cascade's
    own dynamics make it converge from any state, slowly where inventories build up.
    """
    n, c = x.shape
    m = np.empty(c)
    yin = np.empty(c)
    for _ in range(ncyc):
        for i in range(c):
            yin[i] = 0.0
        for k in range(n):
            for i in range(c):
                yin[i] += fo[k, i]
                above = x[k + 1, i] * link[k] if k < n - 1 else 0.0
                m[i] = yin[i] + above + fa[k, i]
            if kind[k] != 0:
                theta[k] = _stage_ratio(
                    m, yin, beta, eta[k], carry[k], kind[k], p1[k], p2[k], theta[k]
                )
            th = theta[k]
            for i in range(c):
                xi = (m[i] - carry[k] * yin[i]) / (1.0 + eta[k] * th * beta[i])
                x[k, i] = xi
                y[k, i] = m[i] - xi
                yin[i] = y[k, i]


@njit(cache=True)
def _anderson_picard(phi, prob, beta, tol, max_iter, max_step, x, y, s, r, work):
    """Anderson-accelerated (memory 10) successive substitution ``phi <- phi - r``.

    ``phi - r`` sets each stage's ratio to its closure for the current mean
    extractability (the bubble-point iteration of distillation); Anderson mixing turns
    it into a secant method that forms pinch zones and inventories quickly in many
    cases. A Newton attempt follows each tenfold fall of the residual. In place;
    returns ``(converged, newton_iterations)``.
    """
    nf = phi.shape[0]
    mem = 10
    dX = np.zeros((mem, nf))
    dF = np.zeros((mem, nf))
    f = np.empty(nf)
    f_old = np.zeros(nf)
    phi_old = np.zeros(nf)
    trial = np.empty(nf)
    count = 0
    head = 0
    iters = 0
    next_newton = 1e-2
    for it in range(max_iter):
        rmax = np.max(np.abs(r))
        if not np.isfinite(rmax):
            return False, iters
        if rmax <= tol:
            return True, iters
        if rmax < next_newton:
            trial[:] = phi
            ok, k = _newton(trial, prob, beta, tol, 30, max_step, x, y, s, r, work)
            iters += k
            if ok:
                phi[:] = trial
                return True, iters
            next_newton = 0.1 * rmax
            _evaluate_prob(phi, prob, beta, x, y, s, r, work)
        for j in range(nf):
            f[j] = -r[j]
        if it > 0:
            slot = head % mem
            for j in range(nf):
                dX[slot, j] = phi[j] - phi_old[j]
                dF[slot, j] = f[j] - f_old[j]
            head += 1
            count = min(count + 1, mem)
        phi_old[:] = phi
        f_old[:] = f
        for j in range(nf):
            trial[j] = f[j]
        if count > 0:
            a = np.empty((count, count))
            b = np.empty(count)
            for p in range(count):
                for q in range(count):
                    a[p, q] = np.dot(dF[p], dF[q])
                b[p] = np.dot(dF[p], f)
            reg = 1e-12 * max(np.trace(a), 1e-300)
            for p in range(count):
                a[p, p] += reg
            ok_ls = True
            try:
                gam = np.linalg.solve(a, b)
            except Exception:
                ok_ls = False
            if ok_ls and np.all(np.isfinite(gam)):
                for j in range(nf):
                    for p in range(count):
                        trial[j] -= gam[p] * (dX[p, j] + dF[p, j])
            else:
                count = 0
        big = np.max(np.abs(trial))
        if not np.isfinite(big):
            return False, iters
        scale = 1.0 if big <= max_step else max_step / big
        for j in range(nf):
            phi[j] += scale * trial[j]
        _evaluate_prob(phi, prob, beta, x, y, s, r, work)
    return False, iters


@njit(cache=True)
def solve_cascade(
    theta_fixed,
    free,
    starts,
    beta,
    eta,
    carry,
    link,
    r1,
    r2,
    kind,
    p1,
    p2,
    atot,
    fa,
    fo,
    tol,
    max_iter,
    max_cycles,
    max_step,
):
    """Steady state in four stages, each tried only if the previous one fails:

    1. damped Newton from each row of ``starts`` in turn (``phi0`` is the first);
    2. pseudo-transient continuation from ``phi0`` (robust where pinch zones and
       inventories form; ends in Newton);
    3. Anderson-accelerated successive substitution from ``phi0`` (fast, not always
       convergent), with Newton attempts;
    4. start-up cycles of the cascade from ``phi0`` (slow where inventories build up,
       but convergent from any state), in doubling blocks with a Newton attempt after
       each block.

    Returns ``(x, y, theta, residual_max, newton_iterations, cycles)``.
    """
    n = theta_fixed.shape[0]
    ncomp = beta.shape[0]
    nf = free.shape[0]
    prob = (theta_fixed, free, eta, carry, link, r1, r2, kind, p1, p2, atot)
    work = np.empty((8, n))
    x = np.empty((n, ncomp))
    y = np.empty((n, ncomp))
    s = np.empty(n)
    r = np.empty(nf)
    phi0 = starts[0].copy()
    phi = phi0.copy()
    ok = False
    iters = 0
    for row in range(starts.shape[0]):
        phi[:] = starts[row]
        _evaluate_prob(phi, prob, beta, x, y, s, r, work)
        ok, it = _newton(phi, prob, beta, tol, max_iter, max_step, x, y, s, r, work)
        iters += it
        if ok:
            break
    done = 0
    if not ok and nf > 0:
        phi[:] = phi0
        _evaluate_prob(phi, prob, beta, x, y, s, r, work)
        ok, it = _ptc(phi, prob, beta, tol, 20 * max_iter, max_step, x, y, s, r, work)
        iters += it
    if not ok and nf > 0:
        phi[:] = phi0
        _evaluate_prob(phi, prob, beta, x, y, s, r, work)
        ok, it = _anderson_picard(phi, prob, beta, tol, 400, max_step, x, y, s, r, work)
        iters += it
    if not ok and nf > 0:
        theta = np.empty(n)
        for k in range(n):
            theta[k] = theta_fixed[k]
        for j in range(nf):
            theta[free[j]] = np.exp(phi0[j])
        xc = np.empty((n, ncomp))
        yc = np.empty((n, ncomp))
        _evaluate_prob(phi0, prob, beta, xc, yc, s, r, work)
        block = 50
        while done < max_cycles:
            nb = min(block, max_cycles - done)
            _cycles(beta, eta, carry, link, kind, p1, p2, theta, fa, fo, xc, yc, nb)
            done += nb
            block = min(2 * block, 4000)
            for j in range(nf):
                phi[j] = np.log(min(max(theta[free[j]], 1e-250), 1e250))
            _evaluate_prob(phi, prob, beta, x, y, s, r, work)
            ok, it = _newton(phi, prob, beta, tol, 30, max_step, x, y, s, r, work)
            iters += it
            if ok:
                break
    if ok and nf > 0 and np.isfinite(tol):
        # polish: one more Newton step (quadratic convergence takes the closure residual
        # from ``tol`` to rounding level); kept only if it lowers the residual
        _, it = _newton(phi, prob, beta, 0.0, 1, max_step, x, y, s, r, work)
        iters += it
    theta = np.empty(n)
    for k in range(n):
        theta[k] = theta_fixed[k]
    for j in range(nf):
        theta[free[j]] = np.exp(min(max(phi[j], -_PHI_MAX), _PHI_MAX))
    rmax = np.max(np.abs(r)) if nf else 0.0
    if not ok:
        rmax = max(rmax, np.inf if nf else 0.0)
    return x, y, theta, rmax, iters, done
