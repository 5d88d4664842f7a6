//! Observe fission: the body the reverse mode runs, with per-observation likelihood terms
//! of a loop gathered into one vectorised `observe`.
//!
//! A loop such as logistic regression's
//!
//! ```text
//! for n in 0..y.len() {
//!     let mut eta = alpha;
//!     for k in 0..d { eta += x[n][k] * beta[k]; }
//!     observe("y", BernoulliLogit(eta), y[n]);
//! }
//! ```
//!
//! computes each term's argument, then its log-probability and partial: a chain of
//! dependent long-latency operations (`exp`, `log1p`, a division) per iteration that the
//! CPU cannot overlap across iterations. The reverse mode runs instead
//!
//! ```text
//! let mut eta_all = vec![0.0; y.len()];
//! for n in 0..y.len() { ...; eta_all[n] = eta; }
//! observe("y", BernoulliLogit(eta_all), y);
//! ```
//!
//! whose `observe` is one call of a slice rule (SIMD over observations) and whose loop
//! writes only an unjournaled vector (forward loop, then a reverse loop seeded from the
//! slice rule's adjoints). The two bodies have the same value and derivatives: the
//! observe's term depends only on its arguments, which are evaluated at the same place,
//! and a loop without `break`/`continue` runs every iteration. Only the sum's rounding
//! differs (the slice rule sums with independent accumulators).
//!
//! Applies to top-level loops `for n in 0..y.len()` (no exits) with one top-level
//! `observe(name, F(arg, ..), y[n])` where `y` is a data slice, `arg` depends on a
//! parameter (a constant term stays in its loop) and `F` has a slice rule (see
//! [`gatherable`]). The primal, `constrain` and `simulate` keep the original body.

use super::{Block, DistCall, Kind, Origin, Place, Program, Stmt, Var, VarId};
use crate::analysis::activity::var_of_ident;
use crate::ir::lower::unique_ident;

/// Whether `observe(.., F(args), y[n])` in a loop over `n` is worth gathering: `F`'s term
/// costs transcendental functions per observation (their latency is what the gathering
/// hides), `ppl-core` has a SIMD slice rule for it with the first argument gathered, and
/// `y` is data of the matching kind. That is
/// `BernoulliLogit(eta)` (an `exp` and a `log1p` per term). A `Normal(mu, sigma)` term
/// with a loop-invariant `sigma` is a few multiply-adds: gathering it measured slower
/// (hier_radon_like 4.35 → 6.1 µs per gradient: the extra passes cost more than the
/// kernel saves), so it stays in the loop.
fn gatherable(dist: &DistCall, y_kind: Kind) -> bool {
    dist.iid.is_none()
        && matches!(
            (dist.name.to_string().as_str(), &dist.args[..], y_kind),
            ("BernoulliLogit", [_], Kind::Ints)
        )
}

/// `p` with every fissionable loop rewritten, or `None` when there is none.
/// `is_active` tells whether an expression of `p` depends on parameters: an observe whose
/// arguments do not is a constant term, left in its loop.
pub fn observe_fission(p: &Program, is_active: impl Fn(&syn::Expr) -> bool) -> Option<Program> {
    let mut out = p.clone();
    let mut stmts = Vec::with_capacity(p.body.stmts.len());
    let mut changed = false;
    for s in &p.body.stmts {
        match fission(s, &mut out.vars, &is_active) {
            Some(new) => {
                stmts.extend(new);
                changed = true;
            }
            None => stmts.push(s.clone()),
        }
    }
    out.body = Block { stmts };
    changed.then_some(out)
}

/// The statements replacing `s`, adding the buffer variable to `vars`.
fn fission(
    s: &Stmt,
    vars: &mut Vec<Var>,
    is_active: &impl Fn(&syn::Expr) -> bool,
) -> Option<Vec<Stmt>> {
    let Stmt::For {
        vars: loop_vars,
        pat,
        iter,
        body,
        span,
    } = s
    else {
        return None;
    };
    if loop_vars.len() != 1 || has_exit(body) {
        return None;
    }
    let y = zero_to_len_of(iter)?;
    let y_kind = match vars.get(y.0) {
        Some(v) if v.origin == Origin::Data => v.kind,
        _ => return None,
    };
    // The one observe of `y[n]` at the top of the body.
    let mut found = None;
    for (i, st) in body.stmts.iter().enumerate() {
        if let Stmt::Observe { dist, value, .. } = st {
            if gatherable(dist, y_kind)
                && is_active(&dist.args[0])
                && indexes(value, y, loop_vars[0])
            {
                if found.is_some() {
                    return None;
                }
                found = Some(i);
            }
        }
    }
    let i = found?;
    let Stmt::Observe {
        name,
        dist,
        value,
        span: obs_span,
    } = &body.stmts[i]
    else {
        return None;
    };
    let syn::Expr::Index(yn) = strip(value) else {
        return None;
    };
    let buf_id = VarId(vars.len());
    let buf = Var {
        name: syn::Ident::new("__gathered", dist.span),
        kind: Kind::Reals,
        mutable: true,
        origin: Origin::Local,
    };
    let buf_ident = unique_ident(&buf, buf_id);
    vars.push(buf);
    let y_expr = (*yn.expr).clone();
    let mut new_body = body.clone();
    new_body.stmts[i] = Stmt::Assign {
        place: Place::Element(buf_id, (*yn.index).clone()),
        op: None,
        value: dist.args[0].clone(),
        span: *obs_span,
    };
    let _ = pat;
    Some(vec![
        Stmt::Let {
            vars: vec![buf_id],
            init: syn::parse_quote!(vec![0.0; (#y_expr).len()]),
            span: *span,
        },
        Stmt::For {
            vars: loop_vars.clone(),
            pat: pat.clone(),
            iter: iter.clone(),
            body: new_body,
            span: *span,
        },
        Stmt::Observe {
            name: name.clone(),
            dist: DistCall {
                name: dist.name.clone(),
                args: std::iter::once(syn::parse_quote!(#buf_ident))
                    .chain(dist.args[1..].iter().cloned())
                    .collect(),
                iid: None,
                span: dist.span,
            },
            value: y_expr,
            span: *obs_span,
        },
    ])
}

/// `y` of `0..y.len()`.
fn zero_to_len_of(iter: &syn::Expr) -> Option<VarId> {
    let syn::Expr::Range(r) = strip(iter) else {
        return None;
    };
    if !matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
        return None;
    }
    let start = r.start.as_deref()?;
    if !matches!(strip(start), syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0")
    {
        return None;
    }
    let syn::Expr::MethodCall(m) = strip(r.end.as_deref()?) else {
        return None;
    };
    if m.method != "len" || !m.args.is_empty() {
        return None;
    }
    path_var(&m.receiver)
}

/// `true` when `e` is `y[n]`.
fn indexes(e: &syn::Expr, y: VarId, n: VarId) -> bool {
    let syn::Expr::Index(ix) = strip(e) else {
        return false;
    };
    path_var(&ix.expr) == Some(y) && path_var(&ix.index) == Some(n)
}

fn path_var(e: &syn::Expr) -> Option<VarId> {
    match strip(e) {
        syn::Expr::Path(p) => p.path.get_ident().and_then(var_of_ident),
        _ => None,
    }
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// `true` when a `break` or `continue` occurs anywhere in `b` (also in nested loops:
/// conservative).
fn has_exit(b: &Block) -> bool {
    let mut exit = false;
    b.for_each_stmt(&mut |s| exit |= matches!(s, Stmt::Break(_) | Stmt::Continue(_)));
    exit
}
