//! Vectors whose element writes need no journal (a child of `vjp`).
//!
//! A recorded region journals the old value of every element it writes so that replays of
//! earlier regions, during the reverse sweep, read the vector as it was in the forward
//! sweep. A local vector built only by writes whose reverse rule needs no value of the
//! vector (`v[i] = e`, `v[i] += e`, `v[i] -= e` with `e` and `i` not reading `v`), and
//! read only after its last write, never needs that: its writers never read it, and its
//! readers run (forward and reverse) after every write, so they see its final state, which
//! is the state it keeps through the reverse sweep. The typical case is a linear predictor
//! `mu` filled by several loops (`mu[t] = intercept`, then `mu[t] += effect` per channel)
//! and read by a likelihood loop. Such a vector is neither journaled nor checkpointed; the
//! reverse of `v[i] += e` is `e_bar = v_bar[i]`, of `v[i] = e` it is `e_bar = v_bar[i];
//! v_bar[i] = 0`.

use super::{assigned, reads};
use crate::ir::{Block, Kind, Place, Stmt, VarId};
use std::collections::BTreeSet;

/// `true` when every write to `v` in `b` is an element write `=`/`+=`/`-=` whose index and
/// value do not read `v` (no `push`, no whole reassignment).
fn writes_are_plain(b: &Block, v: VarId) -> bool {
    b.stmts.iter().all(|s| match s {
        Stmt::Assign {
            place, op, value, ..
        } if place.var() == v => {
            let Place::Element(_, index) = place else {
                return false;
            };
            let op_ok = matches!(
                op,
                None | Some(syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_))
            );
            let reads_v = crate::analysis::activity::refs(value).contains(&v)
                || crate::analysis::activity::refs(index).contains(&v);
            op_ok && !reads_v
        }
        Stmt::Push { var, .. } => *var != v,
        Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Block(body) => {
            writes_are_plain(body, v)
        }
        Stmt::If {
            then, otherwise, ..
        } => writes_are_plain(then, v) && otherwise.as_ref().is_none_or(|o| writes_are_plain(o, v)),
        Stmt::Match { arms, .. } => arms.iter().all(|(_, b)| writes_are_plain(b, v)),
        _ => true,
    })
}

/// The active vectors declared at the top level of `body` that need no journal (see the
/// module documentation).
pub(super) fn unjournaled_vectors(
    body: &Block,
    is_active: impl Fn(VarId) -> bool,
    kind: impl Fn(VarId) -> Kind,
    sites: &[crate::ir::Site],
) -> BTreeSet<VarId> {
    let mut out = BTreeSet::new();
    for (j, s) in body.stmts.iter().enumerate() {
        let Stmt::Let { vars, .. } = s else { continue };
        let [v] = vars[..] else { continue };
        if kind(v) != Kind::Reals || !is_active(v) || !writes_are_plain(body, v) {
            continue;
        }
        let rest = &body.stmts[j + 1..];
        let writes = |s: &Stmt| {
            let mut a = BTreeSet::new();
            assigned(
                &Block {
                    stmts: vec![s.clone()],
                },
                &mut a,
            );
            a.contains(&v)
        };
        let Some(last) = rest.iter().rposition(writes) else {
            continue;
        };
        let read_before_last_write = rest[..=last].iter().any(|s| {
            let mut r = BTreeSet::new();
            sample_reads(s, sites, &mut r);
            reads(
                &Block {
                    stmts: vec![s.clone()],
                },
                &mut r,
            );
            r.contains(&v)
        });
        if !read_before_last_write {
            out.insert(v);
        }
    }
    out
}

/// Variables read by the distributions of the sample sites in `s` (at any depth).
fn sample_reads(s: &Stmt, sites: &[crate::ir::Site], out: &mut BTreeSet<VarId>) {
    let block = Block {
        stmts: vec![s.clone()],
    };
    block.for_each_stmt(&mut |s| {
        if let Stmt::Sample { site, .. } = s {
            if let Some(site) = sites.get(*site) {
                for a in site.dist.args.iter().chain(site.dist.iid.iter()) {
                    out.extend(crate::analysis::activity::refs(a));
                }
            }
        }
    });
}

/// `b` without its element writes to the vectors in `vs` (nested blocks included).
pub(super) fn without_writes_to(b: &Block, vs: &BTreeSet<VarId>) -> Block {
    let stmts = b
        .stmts
        .iter()
        .filter(
            |s| !matches!(s, Stmt::Assign { place: Place::Element(v, _), .. } if vs.contains(v)),
        )
        .map(|s| match s {
            Stmt::For {
                vars,
                pat,
                iter,
                body,
                span,
            } => Stmt::For {
                vars: vars.clone(),
                pat: pat.clone(),
                iter: iter.clone(),
                body: without_writes_to(body, vs),
                span: *span,
            },
            Stmt::While { cond, body, span } => Stmt::While {
                cond: cond.clone(),
                body: without_writes_to(body, vs),
                span: *span,
            },
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            } => Stmt::If {
                cond: cond.clone(),
                then: without_writes_to(then, vs),
                otherwise: otherwise.as_ref().map(|o| without_writes_to(o, vs)),
                span: *span,
            },
            Stmt::Match {
                scrutinee,
                arms,
                span,
            } => Stmt::Match {
                scrutinee: scrutinee.clone(),
                arms: arms
                    .iter()
                    .map(|(p, b)| (p.clone(), without_writes_to(b, vs)))
                    .collect(),
                span: *span,
            },
            Stmt::Block(body) => Stmt::Block(without_writes_to(body, vs)),
            other => other.clone(),
        })
        .collect();
    Block { stmts }
}
