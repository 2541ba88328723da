"""Accuracy of log_prob / log_prob_from_log / log_prob_exp against the mpmath reference (bench.reference).

log_prob_exp's reference is log (J28) from log y in mpmath plus the log-Jacobian sum_{i<k} log y_i, summed
in mpmath (the relation (7) of the log-space write-up), independent of the printed form (5)."""
from __future__ import annotations

import numpy as np

from .reference import (
    load_generated,
    optional_torch,
    reference,
    relative_error,
    torch_log_prob,
)
from .targets import Target, cell, check

KS = (2, 3, 10, 100, 1000)
TAUS = (0.01, 0.1, 0.5, 1.0, 5.0)
DTYPES = (np.float64, np.float32)
BOUND = {np.float64: 2e-15, np.float32: 3e-7}


def rows_for(k: int, scale: float = 1.0) -> int:
    return max(1, round(scale * (40 if k <= 10 else (12 if k <= 100 else 4))))


def case(k, tau, dtype, n, seed=0, torch=None):
    """Samples from sample_log, the two results and the references; a dict of figures."""
    g = load_generated()
    rng = np.random.default_rng([seed, k, int(tau * 1000), np.dtype(dtype).itemsize])
    logits = (2 * rng.normal(size=k)).astype(dtype)
    log_y = g.sample_log(logits, tau, size=n, rng=rng)
    assert log_y.dtype == dtype
    y = np.exp(log_y.astype(np.float64)).astype(dtype)
    lp = g.log_prob(y, logits, tau)
    lpl = g.log_prob_from_log(log_y, logits, tau)
    lpe = g.log_prob_exp(log_y, logits, tau)
    ref_e = reference(log_y, logits, tau, from_log=True, log_space=True)
    fin_e = np.isfinite(ref_e)
    err_e = relative_error(lpe[fin_e], ref_e[fin_e])
    ref_y = reference(y, logits, tau)
    ref_l = reference(log_y, logits, tau, from_log=True)
    fin_y, fin_l = np.isfinite(ref_y), np.isfinite(ref_l)
    err_y = relative_error(lp[fin_y], ref_y[fin_y])
    err_l = relative_error(lpl[fin_l], ref_l[fin_l])
    figures = {}
    if torch is not None:
        lt = torch_log_prob(torch, y, logits, tau).numpy().astype(np.float64)
        ok = fin_y & np.isfinite(lt)
        figures["torch_err"] = float(relative_error(lt[ok], ref_y[ok]).max()) if ok.any() else float("nan")
        figures["torch_nan"] = int(np.isnan(lt).sum())
    return {
        **figures,
        "k": k, "tau": tau, "dtype": np.dtype(dtype).name, "n": n,
        "log_prob_err": float(err_y.max()) if err_y.size else float("nan"),
        "log_prob_rows": int(fin_y.sum()),
        "log_prob_nonfinite_on_support": int((~np.isfinite(lp[fin_y])).sum()),
        "nan": int(np.isnan(lp).sum() + np.isnan(lpl).sum() + np.isnan(lpe).sum()),
        "from_log_err": float(err_l.max()) if err_l.size else float("nan"),
        "from_log_finite": float(np.isfinite(lpl).mean()),
        "exp_err": float(err_e.max()) if err_e.size else float("nan"),
        "exp_finite": float(np.isfinite(lpe).mean()),
        "dtypes_ok": lp.dtype == dtype and lpl.dtype == dtype and lpe.dtype == dtype,
    }


LEGEND = (
    "  on support: rows with every y_i > 0 in their dtype (log_prob is measured there) / rows sampled",
    "  errors: max |ours - reference| / max(1, |reference|) over the rows measured (from_log: all rows)",
    "  —: no row measured; from_log finite: rows where log_prob_from_log is finite (target 100 %)",
    "  exp err / exp finite: the same for log_prob_exp (log-space density, reference log (J28) + sum_{i<k} log y_i)",
    "  FAIL: a target missed in that row (targets below)",
)
TORCH_LEGEND = (("  torch err: the same error for RelaxedOneHotCategorical.log_prob where it is finite;"
                 " torch NaN: rows where torch gave NaN / rows sampled"),)


def run(ks=KS, taus=TAUS, dtypes=DTYPES, rows=rows_for, printer=print, scale: float = 1.0,
        targets: list | None = None) -> bool:
    """Print the table and, per dtype, each target beside its figure (kept in ``targets``); True if all met."""
    ok = True
    torch = optional_torch()
    extra = f" {'torch err':>10} {'torch NaN':>10}" if torch is not None else ""
    printer(f"{'dtype':8} {'k':>5} {'tau':>5} {'on support':>10} {'log_prob err':>13} {'from_log err':>13} "
            f"{'from_log finite':>15} {'exp err':>10} {'exp finite':>10}{extra}")
    for line in LEGEND + (TORCH_LEGEND if torch is not None else ()):
        printer(line)
    worst, least_finite, wrong = {}, {}, {}
    for dtype in dtypes:
        for k in ks:
            for tau in taus:
                r = case(k, tau, dtype, rows(k, scale), torch=torch)
                bound = BOUND[dtype]
                good = (not r["log_prob_err"] > bound and not r["from_log_err"] > bound
                        and not r["exp_err"] > bound and r["exp_finite"] == 1.0 and r["from_log_finite"] == 1.0 and r["dtypes_ok"] and not r["log_prob_nonfinite_on_support"]
                        and not r["nan"])
                ok &= good
                name = r["dtype"]
                worst[name] = max(worst.get(name, 0.0), np.nan_to_num(r["log_prob_err"]),
                                  np.nan_to_num(r["from_log_err"]), np.nan_to_num(r["exp_err"]))
                least_finite[name] = min(least_finite.get(name, 1.0), r["from_log_finite"], r["exp_finite"])
                wrong[name] = (wrong.get(name, 0) + r["nan"] + r["log_prob_nonfinite_on_support"]
                               + (not r["dtypes_ok"]))
                if torch is not None:
                    worst["torch " + name] = max(worst.get("torch " + name, 0.0), np.nan_to_num(r["torch_err"]))
                    extra = f" {cell(r['torch_err'], '.2e', 10)} {r['torch_nan']:5d}/{r['n']:<4d}"
                printer(f"{name:8} {k:5d} {tau:5g} {r['log_prob_rows']:5d}/{r['n']:<4d} "
                        f"{cell(r['log_prob_err'], '.2e', 13)} {cell(r['from_log_err'], '.2e', 13)} "
                        f"{100 * r['from_log_finite']:14.1f}% {cell(r['exp_err'], '.2e', 10)} "
                        f"{100 * r['exp_finite']:9.1f}%{extra}{'' if good else '  FAIL'}")
    for name, w in worst.items():
        if name.startswith("torch "):
            printer(f"{name}: max error {w:.2e} where torch is finite (a figure, not a target)")
            continue
        bound = BOUND[np.dtype(name).type]
        # the figures of log_prob_exp are in these two targets too (err and finite columns "exp")
        check(targets, Target(f"{name} max error (log_prob, from_log)", f"{w:.2e}", f"≤ {bound:.0e}", w <= bound), printer)
        check(targets, Target(f"{name} log_prob_from_log finite", f"{100 * least_finite[name]:.1f} % of rows",
                              "= 100 %", least_finite[name] == 1.0), printer)
        check(targets, Target(f"{name} NaN, non-finite on the support or wrong output dtype",
                              f"{wrong[name]} rows", "= 0", wrong[name] == 0), printer)
    return ok
