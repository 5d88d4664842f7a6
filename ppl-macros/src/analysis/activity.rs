//! Activity analysis: sample sites are active; anything computed from an active value is
//! active; data and integers never are. Passive code is emitted untouched.

use crate::diagnostics::Diagnostics;
use crate::ir::{Block, Kind, Place, Program, Stmt, VarId};
use std::collections::BTreeSet;
use syn::visit::Visit;

/// The variables an expression reads, from their unique identifiers (`name__vN`).
pub fn refs(e: &syn::Expr) -> BTreeSet<VarId> {
    struct V(BTreeSet<VarId>);
    impl<'a> Visit<'a> for V {
        fn visit_ident(&mut self, i: &'a syn::Ident) {
            if let Some(id) = var_of_ident(i) {
                self.0.insert(id);
            }
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            // The length of a vector is a shape, which comes from data: not a read of its values.
            if matches!(m.method.to_string().as_str(), "len" | "is_empty") && m.args.is_empty() {
                return;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            // vec![...] bodies are token streams: scan their identifiers.
            for tt in m.tokens.clone() {
                scan_tokens(tt, &mut self.0);
            }
        }
    }
    let mut v = V(BTreeSet::new());
    v.visit_expr(e);
    v.0
}

fn scan_tokens(tt: proc_macro2::TokenTree, out: &mut BTreeSet<VarId>) {
    match tt {
        proc_macro2::TokenTree::Ident(i) => {
            if let Some(id) = var_of_ident(&i) {
                out.insert(id);
            }
        }
        proc_macro2::TokenTree::Group(g) => {
            g.stream().into_iter().for_each(|t| scan_tokens(t, out))
        }
        _ => {}
    }
}

/// The variable of a unique identifier `name__vN`.
pub fn var_of_ident(i: &syn::Ident) -> Option<VarId> {
    let s = i.to_string();
    let (_, n) = s.rsplit_once("__v")?;
    n.parse().ok().map(VarId)
}

/// Which variables are active.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    active: BTreeSet<VarId>,
}

impl Activity {
    /// `true` when `v` carries derivatives.
    pub fn is_active(&self, v: VarId) -> bool {
        self.active.contains(&v)
    }
    /// `true` when the expression reads an active variable.
    pub fn expr_is_active(&self, e: &syn::Expr) -> bool {
        refs(e).iter().any(|v| self.active.contains(v))
    }
}

/// Computes activity to a fixpoint (loops can make a variable active after its first use).
pub fn analyse(p: &Program, diag: &mut Diagnostics) -> Activity {
    let mut a = Activity::default();
    for s in &p.sites {
        a.active.insert(s.var);
    }
    loop {
        let before = a.active.len();
        visit_block(p, &p.body, &mut a);
        if a.active.len() == before {
            break;
        }
    }
    check_block(p, &p.body, &a, diag);
    check_index_reads(p, &p.body, &a, diag);
    for site in &p.sites {
        crate::codegen::vector_sites::check_site(p, &a, site, diag);
    }
    a
}

/// Activity of a `#[differentiable]` helper body: its real arguments (`inputs`) are the
/// active values, as sample sites are in a model; the same checks follow.
pub fn analyse_helper(p: &Program, inputs: &[VarId], diag: &mut Diagnostics) -> Activity {
    let mut a = Activity::default();
    a.active.extend(inputs.iter().copied());
    loop {
        let before = a.active.len();
        visit_block(p, &p.body, &mut a);
        if a.active.len() == before {
            break;
        }
    }
    check_block(p, &p.body, &a, diag);
    check_index_reads(p, &p.body, &a, diag);
    a
}

/// Every `v[i]` read whose index depends on a parameter is an error.
fn check_index_reads(p: &Program, b: &Block, a: &Activity, diag: &mut Diagnostics) {
    struct V<'x> {
        a: &'x Activity,
        diag: &'x mut Diagnostics,
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_index(&mut self, ix: &'ast syn::ExprIndex) {
            if self.a.expr_is_active(&ix.index) {
                self.diag.error_at(
                    &ix.index,
                    "an index cannot depend on a parameter: indices and shapes must come from data",
                );
            }
            syn::visit::visit_expr_index(self, ix);
        }
    }
    let mut v = V { a, diag };
    let mut e = |x: &syn::Expr| v.visit_expr(x);
    fn walk(b: &Block, e: &mut dyn FnMut(&syn::Expr)) {
        for s in &b.stmts {
            match s {
                Stmt::Let { init, .. } => e(init),
                Stmt::Assign { value, .. }
                | Stmt::Push { value, .. }
                | Stmt::Factor { value, .. }
                | Stmt::Deterministic { value, .. } => e(value),
                Stmt::Observe { dist, value, .. } => {
                    dist.args.iter().for_each(|x| e(x));
                    e(value);
                }
                Stmt::Expr(x) => e(x),
                Stmt::For { body, .. } | Stmt::Block(body) => walk(body, e),
                Stmt::While { cond, body, .. } => {
                    e(cond);
                    walk(body, e);
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    e(cond);
                    walk(then, e);
                    if let Some(o) = otherwise {
                        walk(o, e);
                    }
                }
                Stmt::Match { arms, .. } => arms.iter().for_each(|(_, b)| walk(b, e)),
                _ => {}
            }
        }
    }
    walk(b, &mut e);
    let _ = p;
}

fn mark(p: &Program, a: &mut Activity, v: VarId) {
    if !matches!(p.var(v).kind, Kind::Discrete | Kind::Ints) {
        a.active.insert(v);
    }
}

fn visit_block(p: &Program, b: &Block, a: &mut Activity) {
    for s in &b.stmts {
        match s {
            Stmt::Let { vars, init, .. } => {
                if a.expr_is_active(init) {
                    vars.iter().for_each(|v| mark(p, a, *v));
                }
            }
            Stmt::Assign { place, value, .. } => {
                if a.expr_is_active(value) {
                    mark(p, a, place.var());
                }
            }
            Stmt::Push { var, value, .. } => {
                if a.expr_is_active(value) {
                    mark(p, a, *var);
                }
            }
            Stmt::For { body, .. } | Stmt::While { body, .. } => visit_block(p, body, a),
            Stmt::If {
                then, otherwise, ..
            } => {
                visit_block(p, then, a);
                if let Some(o) = otherwise {
                    visit_block(p, o, a);
                }
            }
            Stmt::Match { arms, .. } => arms.iter().for_each(|(_, b)| visit_block(p, b, a)),
            Stmt::Block(b) => visit_block(p, b, a),
            _ => {}
        }
    }
}

/// Errors that need activity: an integer computed from a parameter (its derivative would
/// be lost), an index or a loop range that depends on a parameter (a shape that depends on
/// parameters), a `for` over an active vector.
fn check_block(p: &Program, b: &Block, a: &Activity, diag: &mut Diagnostics) {
    for s in &b.stmts {
        match s {
            Stmt::Let { vars, init, .. } => {
                if a.expr_is_active(init)
                    && vars.iter().any(|v| p.var(*v).kind == Kind::Discrete)
                    && !is_comparison(init)
                {
                    diag.error_at(init, "this integer is computed from a parameter, so its derivative would be lost: keep real values as f64, and shapes and indices as data");
                }
            }
            Stmt::Assign {
                place: Place::Element(_, index),
                ..
            } => {
                if a.expr_is_active(index) {
                    diag.error_at(index, "an index cannot depend on a parameter: indices and shapes must come from data");
                }
            }
            Stmt::For { iter, body, .. } => {
                if a.expr_is_active(iter) {
                    if matches!(iter, syn::Expr::Range(_)) {
                        diag.error_at(iter, "a loop bound cannot depend on a parameter: loop bounds (and all shapes) must come from data");
                    } else {
                        diag.error_at(iter, "a loop over parameter values is not supported: loop over indices (`for i in 0..theta.len()`) and read `theta[i]`");
                    }
                }
                check_block(p, body, a, diag);
            }
            Stmt::While { body, .. } => check_block(p, body, a, diag),
            Stmt::If {
                then, otherwise, ..
            } => {
                check_block(p, then, a, diag);
                if let Some(o) = otherwise {
                    check_block(p, o, a, diag);
                }
            }
            Stmt::Match {
                scrutinee, arms, ..
            } => {
                if a.expr_is_active(scrutinee) {
                    diag.error_at(
                        scrutinee,
                        "`match` is on data (integers, booleans); branch on a parameter with `if`",
                    );
                }
                arms.iter().for_each(|(_, b)| check_block(p, b, a, diag));
            }
            Stmt::Block(b) => check_block(p, b, a, diag),
            _ => {}
        }
    }
}

fn is_comparison(e: &syn::Expr) -> bool {
    use syn::BinOp::*;
    match e {
        syn::Expr::Binary(b) => matches!(
            b.op,
            Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_)
        ),
        syn::Expr::Paren(p) => is_comparison(&p.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::lower::lower_model;
    use crate::parse::signature::parse_signature;

    fn active_names(src: &str) -> (Vec<String>, Result<(), String>) {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        let mut d = Diagnostics::new();
        let args = parse_signature(&f.sig, &mut d);
        let p = lower_model(&args, &f.block, &mut d);
        let a = analyse(&p, &mut d);
        let names = (0..p.vars.len())
            .filter(|i| a.is_active(VarId(*i)))
            .map(|i| p.vars[i].name.to_string())
            .collect();
        (names, d.finish().map_err(|e| e.to_string()))
    }

    #[test]
    fn activity_flows_through_lets_assignments_and_loops() {
        let (names, r) = active_names(
            r#"fn m(y: &[f64], n: usize) {
                let mu = sample("mu", Normal(0.0, 1.0));
                let c = y[0] * 2.0;
                let mut s = 0.0;
                let mut prev = 0.0;
                for t in 0..n {
                    s = prev * c;
                    prev = mu + y[t];
                }
                let k = n + 1;
                let big = mu > 0.0;
                factor(s);
            }"#,
        );
        assert!(r.is_ok(), "{r:?}");
        // `s` becomes active only through the loop-carried `prev`: needs the fixpoint.
        assert_eq!(names, ["mu", "s", "prev"]);
    }

    #[test]
    fn parameter_dependent_shapes_are_errors() {
        let (_, r) = active_names(
            r#"fn m(y: &[f64]) { let mu = sample("mu", Normal(0.0, 1.0)); for i in 0..(mu as usize) { } }"#,
        );
        assert!(r
            .unwrap_err()
            .contains("a loop bound cannot depend on a parameter"));
        let (_, r) = active_names(
            r#"fn m(y: &[f64]) { let mu = sample("mu", Normal(0.0, 1.0)); let k = mu as usize; }"#,
        );
        assert!(r.unwrap_err().contains("derivative would be lost"));
        let (_, r) = active_names(
            r#"fn m(y: &[f64]) { let mu = sample("mu", Normal(0.0, 1.0)); let mut v = vec![0.0; 3]; v[mu as usize] = 1.0; }"#,
        );
        assert!(r
            .unwrap_err()
            .contains("an index cannot depend on a parameter"));
        let (_, r) = active_names(
            r#"fn m(y: &[f64]) { let th = sample("th", Normal(0.0, 1.0).iid(3)); for v in th.iter() { factor(*v); } }"#,
        );
        assert!(r.unwrap_err().contains("a loop over parameter values"));
    }
}
