//! The body that `constrain` runs: the model without its likelihood.
//!
//! `constrain` (called once per draw) needs the sample sites' values and the
//! deterministics, not the log density. `observe` and `factor` statements are dropped,
//! then every statement whose effect nothing kept reads: a flow-insensitive liveness
//! fixpoint (a variable is live if a kept statement reads it; an assignment to a live
//! variable is kept; a loop or branch is kept if anything in it is). `break`, `continue`
//! and passive expression statements are always kept, so control flow and side effects
//! of what remains are those of the full body.

use super::{Block, Place, Program, Stmt, VarId};
use crate::analysis::activity::refs;
use std::collections::BTreeSet;

/// `p.body` without `observe`/`factor` and without what only they needed.
pub fn constrain_body(p: &Program) -> Block {
    let mut live = BTreeSet::new();
    loop {
        let before = live.len();
        let _ = prune(&p.body, p, &mut live);
        if live.len() == before {
            return prune(&p.body, p, &mut live);
        }
    }
}

/// The kept statements of `b` given the live set, adding to `live` what they read.
fn prune(b: &Block, p: &Program, live: &mut BTreeSet<VarId>) -> Block {
    let mut out = Vec::new();
    for s in &b.stmts {
        if let Some(k) = keep(s, p, live) {
            out.push(k);
        }
    }
    Block { stmts: out }
}

fn keep(s: &Stmt, p: &Program, live: &mut BTreeSet<VarId>) -> Option<Stmt> {
    let read = |live: &mut BTreeSet<VarId>, e: &syn::Expr| live.extend(refs(e));
    match s {
        Stmt::Observe { .. } | Stmt::Factor { .. } => None,
        Stmt::Sample { site, .. } => {
            let d = &p.sites[*site].dist;
            d.args.iter().for_each(|a| read(live, a));
            if let Some(n) = &d.iid {
                read(live, n);
            }
            Some(s.clone())
        }
        Stmt::Deterministic { value, .. } => {
            read(live, value);
            Some(s.clone())
        }
        Stmt::Expr(e) => {
            read(live, e);
            Some(s.clone())
        }
        Stmt::Break(_) | Stmt::Continue(_) => Some(s.clone()),
        Stmt::Let { vars, init, .. } => vars.iter().any(|v| live.contains(v)).then(|| {
            read(live, init);
            s.clone()
        }),
        Stmt::Declare { var, .. } => live.contains(var).then(|| s.clone()),
        Stmt::Assign { place, value, .. } => live.contains(&place.var()).then(|| {
            read(live, value);
            if let Place::Element(_, i) = place {
                read(live, i);
            }
            s.clone()
        }),
        Stmt::Push { var, value, .. } => live.contains(var).then(|| {
            read(live, value);
            s.clone()
        }),
        Stmt::Block(b) => {
            let b = prune(b, p, live);
            (!b.stmts.is_empty()).then_some(Stmt::Block(b))
        }
        Stmt::For {
            vars,
            pat,
            iter,
            body,
            span,
        } => {
            let body = prune(body, p, live);
            (!body.stmts.is_empty()).then(|| {
                read(live, iter);
                Stmt::For {
                    vars: vars.clone(),
                    pat: pat.clone(),
                    iter: iter.clone(),
                    body,
                    span: *span,
                }
            })
        }
        Stmt::While { cond, body, span } => {
            let body = prune(body, p, live);
            (!body.stmts.is_empty()).then(|| {
                read(live, cond);
                Stmt::While {
                    cond: cond.clone(),
                    body,
                    span: *span,
                }
            })
        }
        Stmt::If {
            cond,
            then,
            otherwise,
            span,
        } => {
            let then = prune(then, p, live);
            let otherwise = otherwise.as_ref().map(|o| prune(o, p, live));
            let empty =
                then.stmts.is_empty() && otherwise.as_ref().is_none_or(|o| o.stmts.is_empty());
            (!empty).then(|| {
                read(live, cond);
                Stmt::If {
                    cond: cond.clone(),
                    then,
                    otherwise,
                    span: *span,
                }
            })
        }
        Stmt::Match {
            scrutinee,
            arms,
            span,
        } => {
            let arms: Vec<(syn::Pat, Block)> = arms
                .iter()
                .map(|(pat, b)| (pat.clone(), prune(b, p, live)))
                .collect();
            arms.iter().any(|(_, b)| !b.stmts.is_empty()).then(|| {
                read(live, scrutinee);
                Stmt::Match {
                    scrutinee: scrutinee.clone(),
                    arms,
                    span: *span,
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::ir::{lower::lower_model, pretty};
    use crate::parse::signature::parse_signature;

    /// The IR dump of the pruned body of a model given as source.
    fn pruned(src: &str) -> String {
        let f: syn::ItemFn = syn::parse_str(src).expect("parses");
        let mut diag = Diagnostics::new();
        let args = parse_signature(&f.sig, &mut diag);
        let mut p = lower_model(&args, &f.block, &mut diag);
        assert!(diag.is_empty());
        p.body = constrain_body(&p);
        pretty::dump(&p)
    }

    #[test]
    fn likelihood_loops_disappear_and_deterministics_keep_what_they_read() {
        let ir = pruned(
            "fn m(y: &[f64], x: &[f64]) {
                let mu = sample(\"mu\", Normal(0.0, 1.0));
                let s = sample(\"s\", HalfNormal(1.0));
                let mut acc = 0.0;
                for i in 0..y.len() {
                    let r = y[i] - mu * x[i];
                    acc += r * r;
                    observe(\"y\", Normal(mu * x[i], s), y[i]);
                }
                let scale = s * 2.0;
                deterministic(\"scale\", scale);
                factor(-acc);
            }",
        );
        assert!(!ir.contains("observe") && !ir.contains("factor"), "{ir}");
        assert!(!ir.contains("for") && !ir.contains("acc"), "{ir}");
        assert!(ir.contains("deterministic") && ir.contains("scale"), "{ir}");
    }

    #[test]
    fn a_deterministic_inside_a_loop_keeps_the_loop_and_its_exits() {
        let ir = pruned(
            "fn m(y: &[f64], stop: f64) {
                let mu = sample(\"mu\", Normal(0.0, 1.0));
                let mut level = 0.0;
                for i in 0..y.len() {
                    if y[i] > stop {
                        break;
                    }
                    level = level * 0.5 + mu;
                    deterministic(\"level\", level);
                    observe(\"y\", Normal(level, 1.0), y[i]);
                }
            }",
        );
        assert!(ir.contains("for") && ir.contains("break"), "{ir}");
        assert!(ir.contains("level") && !ir.contains("observe"), "{ir}");
    }
}
