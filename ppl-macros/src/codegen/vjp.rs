//! Reverse mode: `__gradient::<S>` = forward sweep + reverse sweep over the regions of
//! the body, as the crate documentation describes (straight-line sweeps with locals;
//! immediate propagation of terms whose inputs are not reassigned later; fused loops;
//! recorded regions with checkpoints, a journal of vector writes, and replay).

use super::expr::{bar_of, linearize, root_defined_last, strip, Ctx, Linear};
use super::primal::{ident, values_only, Flavor, PrimalGen, RecordedLoop};
use super::sites::{flat_support, is_discrete, is_flat, is_vector_value};
use crate::analysis::activity::{refs, var_of_ident};
use crate::ir::lower::is_vector_dist;
use crate::ir::{Block, DistCall, Kind, Place, Stmt, VarId};
use crate::runtime_paths as rt;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use std::collections::BTreeSet;
use syn::spanned::Spanned;

#[path = "accumulate.rs"]
pub(super) mod accumulate;
#[path = "unjournaled.rs"]
mod unjournaled;

/// Forward code and reverse code (in forward order; emitted reversed) of a region.
#[derive(Default)]
struct Sweep {
    fwd: Vec<TokenStream>,
    rev: Vec<TokenStream>,
}

impl Sweep {
    fn reversed(&self) -> TokenStream {
        let r = self.rev.iter().rev();
        quote!(#(#r)*)
    }
    fn forward(&self) -> TokenStream {
        let f = &self.fwd;
        quote!(#(#f)*)
    }
}

/// Variables assigned (`=`, `op=`, element writes, `push`) anywhere in a block.
fn assigned(b: &Block, out: &mut BTreeSet<VarId>) {
    b.for_each_stmt(&mut |s| match s {
        Stmt::Assign { place, .. } => {
            out.insert(place.var());
        }
        Stmt::Push { var, .. } => {
            out.insert(*var);
        }
        _ => {}
    });
}

/// Variables declared in a block (lets, declarations, loop variables), at any depth.
fn declared(b: &Block, out: &mut BTreeSet<VarId>) {
    b.for_each_stmt(&mut |s| match s {
        Stmt::Let { vars, .. } | Stmt::For { vars, .. } => out.extend(vars.iter().copied()),
        Stmt::Declare { var, .. } => {
            out.insert(*var);
        }
        _ => {}
    });
}

/// Variables read anywhere in a block.
fn reads(b: &Block, out: &mut BTreeSet<VarId>) {
    let mut e = |x: &syn::Expr| out.extend(refs(x));
    fn dist(d: &DistCall, e: &mut dyn FnMut(&syn::Expr)) {
        d.args.iter().for_each(|a| e(a));
        if let Some(n) = &d.iid {
            e(n);
        }
    }
    fn walk(b: &Block, e: &mut dyn FnMut(&syn::Expr)) {
        for s in &b.stmts {
            match s {
                Stmt::Let { init, .. } => e(init),
                Stmt::Assign { place, value, .. } => {
                    if let Place::Element(_, i) = place {
                        e(i);
                    }
                    e(value);
                }
                Stmt::Observe { dist: d, value, .. } => {
                    dist(d, e);
                    e(value);
                }
                Stmt::Factor { value, .. }
                | Stmt::Deterministic { value, .. }
                | Stmt::Push { value, .. } => e(value),
                Stmt::Expr(x) => e(x),
                Stmt::For { iter, body, .. } => {
                    e(iter);
                    walk(body, e);
                }
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
                Stmt::Match {
                    scrutinee, arms, ..
                } => {
                    e(scrutinee);
                    arms.iter().for_each(|(_, b)| walk(b, e));
                }
                Stmt::Block(b) => walk(b, e),
                Stmt::Sample { .. } | Stmt::Declare { .. } | Stmt::Break(_) | Stmt::Continue(_) => {
                }
            }
        }
    }
    walk(b, &mut e);
}

/// The loop-carried scalars (among `carried`) whose last write in an iteration is a
/// top-level `v = e` / `v op= e` of the body, with that statement: the value `e` gets is
/// the variable's value at the end of the iteration, which is its value at the start of
/// the next one (or after the loop, for the last). The reverse sweep of a recorded loop
/// restores the start value of every iteration, so it holds that value when it replays
/// the iteration before. An assignment under a branch, or followed by any other write to
/// the variable, does not qualify (after `break`/`continue` lowering, statements after an
/// exit sit under a branch).
fn end_values<'b>(body: &'b Block, carried: &[VarId]) -> Vec<(&'b Stmt, VarId)> {
    carried
        .iter()
        .filter_map(|&v| {
            let k = body.stmts.iter().rposition(|s| {
                let mut w = BTreeSet::new();
                assigned(
                    &Block {
                        stmts: vec![s.clone()],
                    },
                    &mut w,
                );
                w.contains(&v)
            })?;
            let s = &body.stmts[k];
            matches!(s, Stmt::Assign { place: Place::Var(p), .. } if *p == v).then_some((s, v))
        })
        .collect()
}

/// `ts` with every identifier `from` replaced by `to` (for each pair), in nested groups
/// too.
fn rename_idents(ts: TokenStream, names: &[(syn::Ident, syn::Ident)]) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    ts.into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) => match names.iter().find(|(from, _)| *from == i) {
                Some((_, to)) => {
                    let mut to = to.clone();
                    to.set_span(i.span());
                    TokenTree::Ident(to)
                }
                None => TokenTree::Ident(i),
            },
            TokenTree::Group(g) => {
                let mut n = Group::new(g.delimiter(), rename_idents(g.stream(), names));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other,
        })
        .collect()
}

/// The identifiers `b` of `b[index]` in `ts` (with repeats), `index` a lone identifier.
fn collect_indexed(ts: &TokenStream, index: &syn::Ident, out: &mut Vec<syn::Ident>) {
    use proc_macro2::{Delimiter, TokenTree};
    let tokens: Vec<TokenTree> = ts.clone().into_iter().collect();
    for (k, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(b) => {
                if let Some(TokenTree::Group(g)) = tokens.get(k + 1) {
                    if g.delimiter() == Delimiter::Bracket && is_lone_ident(&g.stream(), index) {
                        out.push(b.clone());
                    }
                }
            }
            TokenTree::Group(g) => collect_indexed(&g.stream(), index, out),
            _ => {}
        }
    }
}

/// The identifiers `b` of the index expressions `b[index]` that the top-level statements of
/// `body` evaluate in every iteration: not under an `if`/`match` (statement or
/// expression), in a nested loop or block, or on the right of `&&`/`||`.
fn unconditionally_indexed(body: &Block, index: &syn::Ident) -> BTreeSet<syn::Ident> {
    use syn::visit::Visit;
    struct Always<'i> {
        index: &'i syn::Ident,
        out: BTreeSet<syn::Ident>,
    }
    impl<'ast> Visit<'ast> for Always<'_> {
        fn visit_expr_index(&mut self, e: &'ast syn::ExprIndex) {
            let lone = |x: &syn::Expr| match strip(x) {
                syn::Expr::Path(p) => p.path.get_ident().cloned(),
                _ => None,
            };
            if let (Some(b), Some(i)) = (lone(&e.expr), lone(&e.index)) {
                if i == *self.index {
                    self.out.insert(b);
                }
            }
            syn::visit::visit_expr_index(self, e);
        }
        fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
            match e.op {
                syn::BinOp::And(_) | syn::BinOp::Or(_) => self.visit_expr(&e.left),
                _ => syn::visit::visit_expr_binary(self, e),
            }
        }
        fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
            self.visit_expr(&e.cond);
        }
        fn visit_expr_match(&mut self, e: &'ast syn::ExprMatch) {
            self.visit_expr(&e.expr);
        }
        fn visit_expr_block(&mut self, _: &'ast syn::ExprBlock) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    }
    let mut v = Always {
        index,
        out: BTreeSet::new(),
    };
    for s in &body.stmts {
        match s {
            Stmt::Let { init: e, .. }
            | Stmt::Assign { value: e, .. }
            | Stmt::Factor { value: e, .. }
            | Stmt::Deterministic { value: e, .. }
            | Stmt::Push { value: e, .. }
            | Stmt::Expr(e) => v.visit_expr(e),
            Stmt::Observe { dist, value, .. } => {
                dist.args.iter().for_each(|a| v.visit_expr(a));
                v.visit_expr(value);
            }
            _ => {}
        }
    }
    v.out
}

/// `true` if `ts` is the single identifier `i`.
fn is_lone_ident(ts: &TokenStream, i: &syn::Ident) -> bool {
    let mut it = ts.clone().into_iter();
    matches!((it.next(), it.next()), (Some(proc_macro2::TokenTree::Ident(x)), None) if x == *i)
}

/// `ts` with `b[index]` replaced by `rows[index]` for every `(b, rows)` of `names`.
fn replace_indexed(
    ts: TokenStream,
    index: &syn::Ident,
    names: &[(syn::Ident, syn::Ident)],
) -> TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    for (k, t) in tokens.iter().enumerate() {
        out.push(match t {
            TokenTree::Ident(b) => {
                let indexed = matches!(tokens.get(k + 1), Some(TokenTree::Group(g))
                    if g.delimiter() == Delimiter::Bracket && is_lone_ident(&g.stream(), index));
                match names.iter().find(|(from, _)| from == b) {
                    Some((_, rows)) if indexed => {
                        let mut r = rows.clone();
                        r.set_span(b.span());
                        TokenTree::Ident(r)
                    }
                    _ => t.clone(),
                }
            }
            TokenTree::Group(g) => {
                let mut n = Group::new(g.delimiter(), replace_indexed(g.stream(), index, names));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other.clone(),
        });
    }
    out.into_iter().collect()
}

/// The first `break`/`continue` leaving this block's loop: its span and whether it breaks.
fn loop_exit(b: &Block) -> Option<(Span, bool)> {
    b.stmts.iter().find_map(|s| match s {
        Stmt::Break(sp) => Some((*sp, true)),
        Stmt::Continue(sp) => Some((*sp, false)),
        Stmt::If {
            then, otherwise, ..
        } => loop_exit(then).or_else(|| otherwise.as_ref().and_then(loop_exit)),
        Stmt::Match { arms, .. } => arms.iter().find_map(|(_, b)| loop_exit(b)),
        Stmt::Block(b) => loop_exit(b),
        _ => None,
    })
}

/// `true` when a `break` (not of a nested loop) is in the block.
fn has_break(b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Break(_) => true,
        Stmt::If {
            then, otherwise, ..
        } => has_break(then) || otherwise.as_ref().is_some_and(has_break),
        Stmt::Match { arms, .. } => arms.iter().any(|(_, b)| has_break(b)),
        Stmt::Block(b) => has_break(b),
        _ => false,
    })
}

/// A loop body with its `break`/`continue` (not those of nested loops) replaced by flags:
/// each sets `exit` (and `break` also `brk`), and the statements after one that may set
/// `exit` run under `if !exit { .. }`. The skipped rest of an iteration is then an
/// ordinary branch, which the reverse sweep replays exactly as taken (recomputed, or
/// recorded when the flag depends on overwritten state); `brk` ends the loop after the
/// iteration (the loop records its trip count).
fn desugar_exits(b: &Block, exit: &syn::Ident, brk: &syn::Ident) -> Block {
    let mut out = Block::default();
    for (k, s) in b.stmts.iter().enumerate() {
        let rewritten = match s {
            Stmt::Break(sp) => {
                out.stmts
                    .push(Stmt::Expr(syn::parse_quote_spanned!(*sp=> #exit = true)));
                out.stmts
                    .push(Stmt::Expr(syn::parse_quote_spanned!(*sp=> #brk = true)));
                return out;
            }
            Stmt::Continue(sp) => {
                out.stmts
                    .push(Stmt::Expr(syn::parse_quote_spanned!(*sp=> #exit = true)));
                return out;
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            } if loop_exit(then).is_some() || otherwise.as_ref().and_then(loop_exit).is_some() => {
                Stmt::If {
                    cond: cond.clone(),
                    then: desugar_exits(then, exit, brk),
                    otherwise: otherwise.as_ref().map(|o| desugar_exits(o, exit, brk)),
                    span: *span,
                }
            }
            Stmt::Match {
                scrutinee,
                arms,
                span,
            } if arms.iter().any(|(_, b)| loop_exit(b).is_some()) => Stmt::Match {
                scrutinee: scrutinee.clone(),
                arms: arms
                    .iter()
                    .map(|(p, b)| (p.clone(), desugar_exits(b, exit, brk)))
                    .collect(),
                span: *span,
            },
            Stmt::Block(inner) if loop_exit(inner).is_some() => {
                Stmt::Block(desugar_exits(inner, exit, brk))
            }
            other => {
                out.stmts.push(other.clone());
                continue;
            }
        };
        out.stmts.push(rewritten);
        let rest = Block {
            stmts: b.stmts[k + 1..].to_vec(),
        };
        if !rest.stmts.is_empty() {
            out.stmts.push(Stmt::If {
                cond: syn::parse_quote!(!#exit),
                then: desugar_exits(&rest, exit, brk),
                otherwise: None,
                span: Span::call_site(),
            });
        }
        return out;
    }
    out
}

/// Statements that touch the log density or active values.
fn is_active_block(ctx: &Ctx, b: &Block) -> bool {
    b.stmts.iter().any(|s| match s {
        Stmt::Let { vars, .. } => vars.iter().any(|v| ctx.activity.is_active(*v)),
        Stmt::Declare { var, .. } => ctx.activity.is_active(*var),
        Stmt::Assign { place, .. } => ctx.activity.is_active(place.var()),
        Stmt::Push { var, .. } => ctx.activity.is_active(*var),
        Stmt::Observe { .. } | Stmt::Factor { .. } | Stmt::Sample { .. } => true,
        Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Block(body) => {
            is_active_block(ctx, body)
        }
        Stmt::If {
            then, otherwise, ..
        } => {
            is_active_block(ctx, then)
                || otherwise.as_ref().is_some_and(|o| is_active_block(ctx, o))
        }
        Stmt::Match { arms, .. } => arms.iter().any(|(_, b)| is_active_block(ctx, b)),
        Stmt::Deterministic { .. } | Stmt::Break(_) | Stmt::Continue(_) | Stmt::Expr(_) => false,
    })
}

/// The bits of [`VjpGen::needed`].
fn need_bits(ctx: &Ctx, args: &[syn::Expr], value_active: bool) -> u32 {
    let mut bits: u32 = u32::from(value_active);
    for (j, a) in args.iter().enumerate() {
        if ctx.is_active(a) {
            bits |= 2u32.checked_shl(j as u32).unwrap_or(0);
        }
    }
    bits
}

/// Variables that are `push`ed to or reassigned as a whole anywhere in `b`.
fn resized_vectors(b: &Block, out: &mut BTreeSet<VarId>) {
    b.for_each_stmt(&mut |s| match s {
        Stmt::Push { var, .. }
        | Stmt::Assign {
            place: Place::Var(var),
            ..
        } => {
            out.insert(*var);
        }
        _ => {}
    });
}

/// Generates the gradient function.
pub struct VjpGen<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    slots: usize,
    scopes: Vec<Vec<(usize, syn::Ident)>>,
    /// Active vectors in scope, whose adjoints must be sized before use.
    vectors: Vec<Vec<VarId>>,
    /// Inside a replay: terms do not add to `__lp` again.
    in_replay: bool,
    /// Identifiers of journaled vectors (`vid` → variable) of the enclosing recorded regions.
    journal_ids: Vec<VarId>,
    /// Vectors whose element writes need no journal (see `unjournaled.rs`).
    unjournaled: BTreeSet<VarId>,
    /// Vectors whose length can change after creation (`push`, whole reassignment): only
    /// their adjoints need sizing again (see `sync_vectors`).
    resized: BTreeSet<VarId>,
    /// Depth of statements whose execution depends on parameter values (an `if` or
    /// `while` on a parameter, a loop with `break`/`continue`): outside them, an observe
    /// runs the same number of times in every call, and its data-only terms are computed
    /// once per model (see `observe`).
    conditional: usize,
    /// Assignments whose value the replay of a recorded loop already holds (see
    /// `end_values`): the statement (by address) and the variable holding its value.
    known_values: Vec<(*const Stmt, syn::Ident)>,
    /// Recorded loops whose checkpoints the first forward pass already pushed (see
    /// `prerecordable`): their replay restores the final values instead of running the
    /// loop forward again.
    prerecorded: Vec<*const Stmt>,
    /// Those of `prerecorded` whose replay took the recorded path (checked: a loop whose
    /// checkpoints were pushed and not popped would corrupt the stack).
    prerecorded_used: Vec<*const Stmt>,
    /// Observations of the enclosing fused loops summed by a `NormalSums` (see
    /// `summed_normals`): the statement (by address) and the accumulator's name.
    normal_sums: Vec<(*const Stmt, syn::Ident)>,
    /// The code has long vectorisable loops over data (summed normal likelihoods,
    /// vectorised observations, dot products of data rows): see [`VjpGen::wants_avx2`].
    wide_loops: bool,
    /// The code records a recursion (a loop or branch with checkpoints).
    recursions: bool,
}

impl<'c, 'a> VjpGen<'c, 'a> {
    /// A generator whose scratch slots start at `first_slot`.
    pub fn new(ctx: &'c mut Ctx<'a>, first_slot: usize) -> Self {
        VjpGen {
            ctx,
            slots: first_slot,
            scopes: vec![Vec::new()],
            vectors: vec![Vec::new()],
            in_replay: false,
            journal_ids: Vec::new(),
            unjournaled: BTreeSet::new(),
            resized: BTreeSet::new(),
            conditional: 0,
            known_values: Vec::new(),
            prerecorded: Vec::new(),
            prerecorded_used: Vec::new(),
            normal_sums: Vec::new(),
            wide_loops: false,
            recursions: false,
        }
    }

    /// Whether the model's gradient should run in an AVX2 build when the CPU has it (see
    /// `ppl_core::math::gradient_with_avx2`): when its code has long vectorisable loops over
    /// data and records no recursion. Measured against the baseline build (same results):
    /// hier_radon_like −10 %, logistic −10 %; but mmm_adstock (summed likelihood, adstock
    /// recursions) +5 %, and models without such loops +3–10 % (the extra call).
    pub fn wants_avx2(&self) -> bool {
        self.wide_loops && !self.recursions
    }

    /// The body of `__gradient` (forward sweep, reverse sweep, buffers returned).
    pub fn function_body(&mut self, body: &Block) -> TokenStream {
        self.unjournaled = unjournaled::unjournaled_vectors(
            body,
            |v| self.ctx.activity.is_active(v),
            |v| self.ctx.program.var(v).kind,
            &self.ctx.program.sites,
        );
        self.function_body_seeded(body, quote!())
    }

    /// The body of a helper's reverse rule: forward sweep, `seed` (adds the caller's
    /// adjoint of the result into the result variable's adjoint), reverse sweep. (Helper
    /// bodies journal every vector: their vectors may leave through the result.)
    pub fn function_body_seeded(&mut self, body: &Block, seed: TokenStream) -> TokenStream {
        resized_vectors(body, &mut self.resized);
        let sweep = self.sweep_block(body, &BTreeSet::new());
        let fwd = sweep.forward();
        let rev = sweep.reversed();
        let sync = self.sync_vectors();
        let back = self.put_backs();
        quote! {
            #fwd
            #sync
            #seed
            #rev
            #back
        }
    }

    fn take(&mut self, id: &syn::Ident, len: TokenStream, fill: TokenStream) -> TokenStream {
        let slot = self.slots;
        self.slots += 1;
        if let Some(s) = self.scopes.last_mut() {
            s.push((slot, id.clone()));
        }
        quote!(__stacks.take(#slot, #len, #fill))
    }

    /// [`Self::take`] of a vector whose every element the caller writes (no fill).
    fn take_overwritten(&mut self, id: &syn::Ident, len: TokenStream) -> TokenStream {
        let slot = self.slots;
        self.slots += 1;
        if let Some(s) = self.scopes.last_mut() {
            s.push((slot, id.clone()));
        }
        quote!(__stacks.take_overwritten(#slot, #len))
    }

    /// The constant `Needed` mask of a log density's partials: the value's when
    /// `value_active`, and each active argument's (see `ppl_core::distributions::Needed`).
    fn needed(&self, args: &[syn::Expr], value_active: bool) -> TokenStream {
        let dist = rt::dist();
        let bits = need_bits(self.ctx, args, value_active);
        quote!(#dist::Needed(#bits))
    }

    fn put_backs(&mut self) -> TokenStream {
        let taken = std::mem::take(self.scopes.last_mut().expect("scope"));
        let items = taken
            .iter()
            .rev()
            .map(|(slot, id)| quote!(__stacks.put_back(#slot, #id);));
        quote!(#(#items)*)
    }

    /// Sizes every vector adjoint in scope to its vector (elements may have been pushed).
    fn sync_vectors(&self) -> TokenStream {
        let scalar = rt::scalar();
        let items = self.vectors.iter().flatten().filter(|v| self.resized.contains(v)).map(|v| {
            let id = ident(self.ctx, *v);
            let bar = bar_of(&id);
            quote!(if #bar.len() < #id.len() { #bar.resize(#id.len(), <S as #scalar>::zero()); })
        });
        quote!(#(#items)*)
    }

    /// A block as its own Rust scope: forward then reverse (a fused body or a replay).
    fn fused_scope(&mut self, b: &Block, after: &BTreeSet<VarId>) -> TokenStream {
        self.scopes.push(Vec::new());
        self.vectors.push(Vec::new());
        let sweep = self.sweep_block(b, after);
        let fwd = sweep.forward();
        let sync = self.sync_vectors();
        let rev = sweep.reversed();
        let back = self.put_backs();
        self.scopes.pop();
        self.vectors.pop();
        quote!({ #fwd #sync #rev #back })
    }

    fn sweep_block(&mut self, b: &Block, after: &BTreeSet<VarId>) -> Sweep {
        let mut out = Sweep::default();
        for (k, s) in b.stmts.iter().enumerate() {
            let mut later = after.clone();
            assigned(
                &Block {
                    stmts: b.stmts[k + 1..].to_vec(),
                },
                &mut later,
            );
            self.sweep_stmt(s, &later, &mut out);
        }
        out
    }

    /// `true` when a statement reading `exprs` may propagate its adjoints at once.
    fn immediate(&self, exprs: &[&syn::Expr], later: &BTreeSet<VarId>) -> bool {
        exprs.iter().all(|e| refs(e).is_disjoint(later))
    }

    fn sweep_stmt(&mut self, s: &Stmt, later: &BTreeSet<VarId>, out: &mut Sweep) {
        let conditional = match s {
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => self.ctx.is_active(cond),
            Stmt::For { body, .. } => loop_exit(body).is_some(),
            _ => false,
        };
        self.conditional += usize::from(conditional);
        self.sweep_stmt_inner(s, later, out);
        self.conditional -= usize::from(conditional);
    }

    fn sweep_stmt_inner(&mut self, s: &Stmt, later: &BTreeSet<VarId>, out: &mut Sweep) {
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        match s {
            Stmt::Let { vars, init, span } => {
                let any_active = vars.iter().any(|v| self.ctx.activity.is_active(*v));
                if !any_active {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                if vars.len() > 1 {
                    let syn::Expr::Tuple(t) = strip(init) else {
                        self.ctx
                            .diag
                            .error_at(init, "destructure a tuple expression `(a, b)` here");
                        return;
                    };
                    for (v, e) in vars.iter().zip(&t.elems) {
                        self.let_scalar(*v, e, *span, out);
                    }
                    return;
                }
                let v = vars[0];
                match self.ctx.program.var(v).kind {
                    Kind::Real => self.let_scalar(v, init, *span, out),
                    Kind::Reals => self.let_vector(v, init, *span, out),
                    _ => self
                        .ctx
                        .diag
                        .error_at(init, "unsupported value for a parameter-dependent variable"),
                }
            }
            Stmt::Declare { var, span } => {
                let id = ident(self.ctx, *var);
                if self.ctx.activity.is_active(*var) {
                    let bar = bar_of(&id);
                    out.fwd.push(
                        quote_spanned!(*span=> let mut #id: S = #zero; let mut #bar: S = #zero;),
                    );
                } else {
                    out.fwd.push(quote_spanned!(*span=> let mut #id;));
                }
            }
            Stmt::Assign {
                place,
                op,
                value,
                span,
            } => {
                if !self.ctx.activity.is_active(place.var()) {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                let known = self
                    .known_values
                    .iter()
                    .find(|(k, _)| std::ptr::eq(*k, s))
                    .map(|(_, v)| v.clone());
                self.assign(place, op.as_ref(), value, known, *span, out);
            }
            Stmt::Push { var, value, span } => {
                if !self.ctx.activity.is_active(*var) {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                let id = ident(self.ctx, *var);
                let bar = bar_of(&id);
                let lin = linearize(self.ctx, value);
                let i = self.ctx.temp("i");
                let (f, v, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                out.fwd.push(
                    quote_spanned!(*span=> #(#f)* #id.push(#v); let #i: usize = #id.len() - 1;),
                );
                out.rev.push(quote_spanned!(*span=> let #lb: S = #bar[#i]; #bar[#i] = #zero; #(#r)* let _ = #id.pop();));
            }
            Stmt::Sample { var, site, span } => self.sample(*var, *site, *span, out),
            Stmt::Observe {
                name,
                dist,
                value,
                span,
            } => match self.normal_sums.iter().find(|(o, _)| std::ptr::eq(*o, s)) {
                Some((_, acc)) => {
                    let acc = acc.clone();
                    self.summed_observe(&acc, dist, value, *span, later, out)
                }
                None => self.observe(name, dist, value, *span, later, out),
            },
            Stmt::Factor { value, span } => {
                let lin = linearize(self.ctx, value);
                let root = rt::root();
                let (f, v, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                let add = self.add_term("factor", quote!(#v));
                out.fwd.push(quote_spanned!(*span=> #(#f)* #add));
                let back = quote_spanned!(*span=> let #lb: S = __lp_bar; #(#r)*);
                let _ = root;
                if self.immediate(&[value], later) {
                    out.fwd.push(back);
                } else {
                    out.rev.push(back);
                }
            }
            Stmt::Deterministic { .. } => {}
            Stmt::For {
                pat,
                iter,
                body,
                span,
                vars,
            } => {
                if !is_active_block(self.ctx, body) {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                // `break`/`continue` become flags (see `lower_exits`); the loops with
                // exits take the general paths below, not the checkpoint-free fast paths.
                let lowered;
                let (body, brk, exits) = match self.lower_exits(body, out) {
                    Some((b, brk)) => {
                        lowered = b;
                        (&lowered, brk, true)
                    }
                    None => (body, None, false),
                };
                let stop = brk.as_ref().map(|b| quote!(if #b { break; }));
                if self.fusable(body, later) {
                    let sync = self.sync_vectors();
                    let summed = self.summed_normals(body);
                    self.wide_loops |= !summed.is_empty();
                    let outer_sums = self.normal_sums.len();
                    self.normal_sums
                        .extend(summed.iter().map(|n| (n.stmt, n.acc.clone())));
                    let inner = self.fused_scope(body, later);
                    self.normal_sums.truncate(outer_sums);
                    let with_lp = !self.in_replay;
                    let (open, inner, close) = self.loop_local_accumulators(body, inner, with_lp);
                    let (sums_open, sums_close) = self.normal_sums_around(&summed);
                    let (rows, iter, inner) = if exits {
                        (quote!(), quote!(#iter), inner)
                    } else {
                        self.hoisted_data_rows(pat, iter, body, inner)
                    };
                    out.fwd.push(quote_spanned!(*span=>
                        #sync #open #sums_open #rows
                        for #pat in #iter { #inner #stop }
                        #close #sums_close
                    ));
                } else if !exits && self.stateless(body) {
                    // Writes only unjournaled vectors: plain forward loop, reverse replays.
                    // The recorded loops of its body push their checkpoints in the forward
                    // loop already, so the replay does not run them forward again.
                    let it = self.ctx.temp("it");
                    let pre = if self.in_replay {
                        Vec::new()
                    } else {
                        self.prerecordable(body)
                    };
                    let primal = if pre.is_empty() {
                        self.journaled_primal(body, &[])
                    } else {
                        self.recording_primal(body, &pre)
                    };
                    out.fwd.push(
                        quote_spanned!(*span=> let #it = #iter; for #pat in #it.clone() #primal),
                    );
                    self.prerecorded.extend(pre.iter().map(|l| l.stmt));
                    let replay = self.replay(body, &[]);
                    self.prerecorded
                        .truncate(self.prerecorded.len() - pre.len());
                    if pre.iter().any(|l| {
                        !self
                            .prerecorded_used
                            .iter()
                            .any(|u| std::ptr::eq(*u, l.stmt))
                    }) {
                        self.ctx.diag.error(
                            *span,
                            "internal: a loop's checkpoints were recorded for a replay that does not use them",
                        );
                    }
                    // The replay only adds into the adjoints of the outer scalars it reads
                    // (a stateless body assigns none): loop-local sums, as in fused loops.
                    let (open, replay, close) = self.loop_local_accumulators(body, replay, false);
                    out.rev.push(
                        quote_spanned!(*span=> #open for #pat in #it.clone().rev() #replay #close),
                    );
                } else if !exits
                    && self.accumulates_only(body)
                    && self.accumulation_loop(pat, iter, vars, body, *span, out)
                {
                    // An index-range accumulation: a reduction forward, seeded reverse.
                } else if self.accumulates_only(body) {
                    // The loop only adds into outer scalars: their adjoints are the same in
                    // every iteration, so no checkpoint is needed. Forward: the plain loop.
                    // Reverse: each iteration's sweep again (terms not re-added).
                    let it = self.ctx.temp("it");
                    let primal = self.journaled_primal(body, &[]);
                    // After a `break`, the reverse replays only the iterations that ran.
                    let (count, ran) = match &stop {
                        Some(stop) => {
                            let n = self.ctx.temp("trips");
                            out.fwd.push(quote!(let mut #n: usize = 0;));
                            (quote!(#n += 1; #primal #stop), quote!(.take(#n)))
                        }
                        None => (primal, quote!()),
                    };
                    out.fwd.push(
                        quote_spanned!(*span=> let #it = #iter; for #pat in #it.clone() { #count }),
                    );
                    let was = self.in_replay;
                    self.in_replay = true;
                    let replay = self.fused_scope(body, &BTreeSet::new());
                    self.in_replay = was;
                    out.rev
                        .push(quote_spanned!(*span=> for #pat in #it.clone()#ran #replay));
                } else {
                    let it = self.ctx.temp("it");
                    out.fwd.push(quote_spanned!(*span=> let #it = #iter;));
                    if stop.is_some() {
                        // The trip count taken is recorded; the reverse walks those back.
                        let trips = self.ctx.temp("trips");
                        self.recorded(
                            body,
                            *span,
                            quote!(let mut #trips: usize = 0; for #pat in #it.clone()),
                            quote!(let #trips = __stacks.pop_count(); let __skip = #it.clone().count() - #trips; for #pat in #it.clone().rev().skip(__skip)),
                            Some(trips),
                            stop,
                            false,
                            out,
                        );
                        return;
                    }
                    let pre = self.prerecorded.iter().any(|l| std::ptr::eq(*l, s));
                    if pre {
                        self.prerecorded_used.push(s as *const Stmt);
                    }
                    self.recorded(
                        body,
                        *span,
                        quote!(for #pat in #it.clone()),
                        quote!(for #pat in #it.clone().rev()),
                        None,
                        None,
                        pre,
                        out,
                    );
                }
            }
            Stmt::While { cond, body, span } => {
                if !is_active_block(self.ctx, body) {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                let lowered;
                let (body, brk) = match self.lower_exits(body, out) {
                    Some((b, brk)) => {
                        lowered = b;
                        (&lowered, brk)
                    }
                    None => (body, None),
                };
                let c = values_only(self.ctx, cond);
                let trips = self.ctx.temp("trips");
                self.recorded(
                    body,
                    *span,
                    quote!(let mut #trips: usize = 0; while #c),
                    quote!(let #trips = __stacks.pop_count(); for _ in 0..#trips),
                    Some(trips),
                    brk.as_ref().map(|b| quote!(if #b { break; })),
                    false,
                    out,
                );
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            } => {
                let active = is_active_block(self.ctx, then)
                    || otherwise
                        .as_ref()
                        .is_some_and(|o| is_active_block(self.ctx, o));
                if !active {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                let c = values_only(self.ctx, cond);
                let empty = Block::default();
                let other = otherwise.as_ref().unwrap_or(&empty);
                let mut both = then.clone();
                both.stmts.extend(other.stmts.iter().cloned());
                if self.fusable(&both, later) {
                    let sync = self.sync_vectors();
                    let t = self.fused_scope(then, later);
                    let o = self.fused_scope(other, later);
                    out.fwd.push(quote_spanned!(*span=> #sync if #c #t else #o));
                } else {
                    self.recorded_branches(
                        &[then.clone(), other.clone()],
                        quote!(if #c { 0usize } else { 1usize }),
                        *span,
                        out,
                    );
                }
            }
            Stmt::Match {
                scrutinee,
                arms,
                span,
            } => {
                if !arms.iter().any(|(_, b)| is_active_block(self.ctx, b)) {
                    out.fwd.push(self.primal_stmt(s));
                    return;
                }
                let mut all = Block::default();
                arms.iter()
                    .for_each(|(_, b)| all.stmts.extend(b.stmts.iter().cloned()));
                if self.fusable(&all, later) {
                    let sync = self.sync_vectors();
                    let arms_code: Vec<TokenStream> = arms
                        .iter()
                        .map(|(p, b)| {
                            let b = self.fused_scope(b, later);
                            quote!(#p => #b)
                        })
                        .collect();
                    out.fwd
                        .push(quote_spanned!(*span=> #sync match #scrutinee { #(#arms_code)* }));
                } else {
                    let sel = arms.iter().enumerate().map(|(k, (p, _))| quote!(#p => #k));
                    let blocks: Vec<Block> = arms.iter().map(|(_, b)| b.clone()).collect();
                    self.recorded_branches(
                        &blocks,
                        quote!(match #scrutinee { #(#sel,)* }),
                        *span,
                        out,
                    );
                }
            }
            Stmt::Block(b) => {
                if !is_active_block(self.ctx, b) {
                    out.fwd.push(self.primal_stmt(s));
                } else if self.fusable(b, later) {
                    let sync = self.sync_vectors();
                    let inner = self.fused_scope(b, later);
                    out.fwd.push(quote!(#sync #inner));
                } else {
                    self.recorded_branches(&[b.clone()], quote!(0usize), Span::call_site(), out);
                }
            }
            Stmt::Break(_) | Stmt::Continue(_) | Stmt::Expr(_) => out.fwd.push(self.primal_stmt(s)),
        }
    }

    /// Primal code of a passive statement (identical in every mode).
    fn primal_stmt(&mut self, s: &Stmt) -> TokenStream {
        let mut g = PrimalGen::new(self.ctx, Flavor::Density);
        g.slots = self.slots;
        let code = g.block(&Block {
            stmts: vec![s.clone()],
        });
        self.slots = g.slots;
        // Passive statements may declare variables used later: emit without the scope.
        let stream: TokenStream = match syn::parse2::<syn::Block>(code.clone()) {
            Ok(b) => {
                let stmts = b.stmts;
                quote!(#(#stmts)*)
            }
            Err(_) => code,
        };
        stream
    }

    fn add_term(&self, site: &str, value: TokenStream) -> TokenStream {
        if self.in_replay {
            return quote!();
        }
        let root = rt::root();
        let scalar = rt::scalar();
        quote! {
            #root::check_term(#site, <S as #scalar>::value(#value))?;
            __lp += #value;
        }
    }

    /// A loop or branch is fused when it assigns no variable declared outside it and no
    /// value it reads is reassigned after it.
    fn fusable(&self, body: &Block, later: &BTreeSet<VarId>) -> bool {
        let (mut a, mut d, mut r) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        assigned(body, &mut a);
        declared(body, &mut d);
        reads(body, &mut r);
        let outer_writes = a
            .iter()
            .any(|v| !d.contains(v) && self.ctx.activity.is_active(*v));
        let outer_passive_writes = a.iter().any(|v| !d.contains(v));
        let reads_reassigned = r
            .iter()
            .any(|v| !d.contains(v) && later.contains(v) && self.ctx.activity.is_active(*v));
        !(outer_writes || outer_passive_writes || reads_reassigned)
    }

    fn let_scalar(&mut self, v: VarId, init: &syn::Expr, span: Span, out: &mut Sweep) {
        let scalar = rt::scalar();
        let id = ident(self.ctx, v);
        let bar = bar_of(&id);
        if !self.ctx.activity.is_active(v) {
            let m = if self.ctx.program.var(v).mutable {
                quote!(mut)
            } else {
                quote!()
            };
            out.fwd.push(quote_spanned!(span=> let #m #id = #init;));
            return;
        }
        let lin = linearize(self.ctx, init);
        let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
        out.fwd.push(quote_spanned!(span=> #(#f)* let mut #id: S = #val; let mut #bar: S = <S as #scalar>::zero();));
        out.rev
            .push(quote_spanned!(span=> let #lb: S = #bar; #(#r)*));
    }

    fn let_vector(&mut self, v: VarId, init: &syn::Expr, span: Span, out: &mut Sweep) {
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        let id = ident(self.ctx, v);
        let bar = bar_of(&id);
        let parsed: Option<(Vec<syn::Expr>, Option<syn::Expr>, Option<syn::Expr>)> = match strip(
            init,
        ) {
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => m
                .mac
                .parse_body_with(|input: syn::parse::ParseStream| {
                    let first: syn::Expr = input.parse()?;
                    if input.peek(syn::Token![;]) {
                        let _: syn::Token![;] = input.parse()?;
                        Ok((vec![first], Some(input.parse::<syn::Expr>()?), None))
                    } else {
                        let mut items = vec![first];
                        while input.peek(syn::Token![,]) {
                            let _: syn::Token![,] = input.parse()?;
                            if input.is_empty() {
                                break;
                            }
                            items.push(input.parse()?);
                        }
                        Ok((items, None, None))
                    }
                })
                .ok(),
            syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity")) => {
                Some((Vec::new(), None, c.args.first().cloned()))
            }
            _ => None,
        };
        if parsed.is_none() {
            if let Some(c) = super::helper_call::is_vector_helper_call(init) {
                // A helper returning a vector: its reverse rule takes the vector's adjoint.
                let take_bar = self.take(&bar, quote!(0), zero.clone());
                let (mut f, mut r) = (Vec::new(), Vec::new());
                let result = super::helper_call::Result::Vector(&id, &bar);
                super::helper_call::linear_call(
                    self.ctx,
                    c,
                    result,
                    &mut f,
                    &mut r,
                    |ctx, e, o, ob, f, r| {
                        let lin = linearize(ctx, e);
                        let (lf, lv, lb, lr) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                        f.push(quote!(#(#lf)* let #o: S = #lv;));
                        r.push(quote!(let #lb: S = #ob; #(#lr)*));
                    },
                );
                r.reverse();
                out.fwd.push(quote_spanned!(span=> #(#f)* let mut #bar: Vec<S> = #take_bar; #bar.resize(#id.len(), #zero);));
                out.rev.push(quote_spanned!(span=> #(#r)*));
                if let Some(scope) = self.vectors.last_mut() {
                    scope.push(v);
                }
                return;
            }
        }
        let Some((items, repeat, capacity)) = parsed else {
            self.ctx.diag.error_at(init, "start a parameter-dependent vector with `vec![0.0; n]`, `vec![a, b, ...]` or `Vec::with_capacity(n)`, then write its elements");
            return;
        };
        let take_bar = self.take(&bar, quote!(0), zero.clone());
        if let Some(n) = repeat {
            let lin = linearize(self.ctx, &items[0]);
            let take = self.take(&id, quote!((#n) as usize), quote!(#zero));
            let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
            out.fwd.push(quote_spanned!(span=> #(#f)* let mut #id: Vec<S> = #take; for __e in #id.iter_mut() { *__e = #val; } let mut #bar: Vec<S> = #take_bar; #bar.resize(#id.len(), #zero);));
            out.rev.push(quote_spanned!(span=> let #lb: S = #bar.iter().copied().fold(#zero, |__a, __b| __a + __b); #(#r)*));
        } else if let Some(cap) = capacity {
            let take = self.take(&id, quote!(0), quote!(#zero));
            out.fwd.push(quote_spanned!(span=> let mut #id: Vec<S> = #take; #id.reserve((#cap) as usize); let mut #bar: Vec<S> = #take_bar;));
        } else {
            let take = self.take(&id, quote!(0), quote!(#zero));
            out.fwd
                .push(quote_spanned!(span=> let mut #id: Vec<S> = #take;));
            let mut revs = Vec::new();
            for (k, e) in items.iter().enumerate() {
                let lin = linearize(self.ctx, e);
                let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                out.fwd.push(quote_spanned!(span=> #(#f)* #id.push(#val);));
                revs.push(quote_spanned!(span=> { let #lb: S = #bar[#k]; #(#r)* }));
            }
            out.fwd.push(quote_spanned!(span=> let mut #bar: Vec<S> = #take_bar; #bar.resize(#id.len(), #zero);));
            out.rev.push(quote!(#(#revs)*));
        }
        if let Some(scope) = self.vectors.last_mut() {
            scope.push(v);
        }
    }

    /// `place op= value`. With `known`, a variable holding the value being assigned (the
    /// replay of a recorded loop, see `end_values`): the root operation is not computed
    /// again, its operands still are (the reverse rules read them).
    fn assign(
        &mut self,
        place: &Place,
        op: Option<&syn::BinOp>,
        value: &syn::Expr,
        known: Option<syn::Ident>,
        span: Span,
        out: &mut Sweep,
    ) {
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        let v = place.var();
        let id = ident(self.ctx, v);
        let bar = bar_of(&id);
        let combine = |current: syn::Expr| -> syn::Expr {
            match op {
                None => value.clone(),
                Some(o) => {
                    let bin = match o {
                        syn::BinOp::AddAssign(_) => quote!(+),
                        syn::BinOp::SubAssign(_) => quote!(-),
                        syn::BinOp::MulAssign(_) => quote!(*),
                        _ => quote!(/),
                    };
                    syn::parse_quote_spanned!(span=> #current #bin (#value))
                }
            }
        };
        match place {
            Place::Var(_) => {
                let rhs = combine(syn::parse_quote!(#id));
                let mut lin = linearize(self.ctx, &rhs);
                if let Some(known) = known.filter(|_| root_defined_last(self.ctx, &rhs)) {
                    let val = &lin.value;
                    if let Some(last) = lin.forward.last_mut() {
                        *last = quote_spanned!(span=> let #val: S = #known;);
                    }
                }
                let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                out.fwd.push(quote_spanned!(span=> #(#f)* #id = #val;));
                out.rev
                    .push(quote_spanned!(span=> let #lb: S = #bar; #bar = #zero; #(#r)*));
            }
            Place::Element(_, index) if self.unjournaled.contains(&v) => {
                // Plain writes (see `unjournaled.rs`): no old value, forward or reverse.
                let i = self.ctx.temp("i");
                let lin = linearize(self.ctx, value);
                let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                let (write, seed, reset) = match op {
                    None => (quote!(=), quote!(#bar[#i]), quote!(#bar[#i] = #zero;)),
                    Some(syn::BinOp::SubAssign(_)) => (quote!(-=), quote!(-#bar[#i]), quote!()),
                    _ => (quote!(+=), quote!(#bar[#i]), quote!()),
                };
                // A replay runs after every reader: the vector's state no longer matters.
                let store = (!self.in_replay).then(|| quote!(#id[#i] #write #val;));
                out.fwd
                    .push(quote_spanned!(span=> let #i: usize = (#index) as usize; #(#f)* #store));
                out.rev
                    .push(quote_spanned!(span=> let #lb: S = #seed; #reset #(#r)*));
            }
            Place::Element(_, index) => {
                let i = self.ctx.temp("i");
                let old = self.ctx.temp("old");
                let rhs = combine(syn::parse_quote!(#id[#i]));
                let lin = linearize(self.ctx, &rhs);
                let (f, val, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                out.fwd.push(quote_spanned!(span=> let #i: usize = (#index) as usize; let #old: S = #id[#i]; #(#f)* #id[#i] = #val;));
                out.rev.push(quote_spanned!(span=> let #lb: S = #bar[#i]; #bar[#i] = #zero; #(#r)* #id[#i] = #old;));
            }
        }
    }

    /// Linearised distribution arguments: their temporaries and adjoint names.
    fn dist_args(&mut self, d: &DistCall) -> Vec<Linear> {
        d.args.iter().map(|a| linearize(self.ctx, a)).collect()
    }

    fn sample(&mut self, var: VarId, site_index: usize, span: Span, out: &mut Sweep) {
        let site = self.ctx.program.sites[site_index].clone();
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        let tr = rt::transforms();
        let dist = rt::dist();
        let root = rt::root();
        let id = ident(self.ctx, var);
        let bar = bar_of(&id);
        let name = &site.name;
        if super::vector_sites::family(&site.dist).is_some() {
            self.family_sample(&site, &id, span, out);
            return;
        }
        if is_vector_dist(&site.dist) {
            let (sup_expr, _) = flat_support(self.ctx, &site.dist);
            let sup = self.ctx.temp("sup");
            let ul = self.ctx.temp("ul");
            let cl = self.ctx.temp("cl");
            let xi = self.ctx.temp("xi");
            let take = self.take(&id, quote!(#cl), quote!(#zero));
            let take_bar = self.take(&bar, quote!(#cl), quote!(#zero));
            let add = self.add_term(name, quote!(__lj));
            out.fwd.push(quote_spanned!(span=>
                let #sup: #tr::Support<S> = #sup_expr;
                let #ul: usize = #sup.unconstrained_len();
                let #cl: usize = #sup.constrained_len();
                let #xi: usize = __off;
                let mut #id: Vec<S> = #take;
                let __lj: S = #tr::constrain_vector(#sup, &x[#xi..#xi + #ul], &mut #id[..])?;
                __off += #ul;
                #add
                let mut #bar: Vec<S> = #take_bar;
            ));
            out.rev.push(quote_spanned!(span=>
                for __g in grad[#xi..#xi + #ul].iter_mut() { *__g = #zero; }
                #tr::constrain_vector_vjp(#sup, &x[#xi..#xi + #ul], &#id[..], &#bar[..], __lp_bar, &mut grad[#xi..#xi + #ul])?;
            ));
            let _ = root;
            return;
        }
        let flat = is_flat(&site.dist);
        // Arguments (or, for Flat, the bounds of its support).
        let (lins, d_expr, support, bound_args): (
            Vec<Linear>,
            TokenStream,
            TokenStream,
            (Option<usize>, Option<usize>),
        ) = if flat {
            let (_, bounds) = flat_support(self.ctx, &site.dist);
            let lins: Vec<Linear> = bounds.iter().map(|b| linearize(self.ctx, b)).collect();
            let arg = &site.dist.args[0];
            let sname = match strip(arg) {
                syn::Expr::Call(c) => crate::ir::lower::path_name(&c.func).unwrap_or_default(),
                syn::Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let sident = syn::Ident::new(&sname, arg.span());
            let vals: Vec<&syn::Ident> = lins.iter().map(|l| &l.value).collect();
            let sup = if vals.is_empty() {
                quote!(#tr::Support::#sident)
            } else {
                quote!(#tr::Support::#sident(#(#vals),*))
            };
            drop(vals);
            let bounds = match sname.as_str() {
                "LowerBounded" => (Some(0), None),
                "UpperBounded" => (None, Some(0)),
                "Interval" => (Some(0), Some(1)),
                _ => (None, None),
            };
            (lins, quote!(()), sup, bounds)
        } else {
            let lins = self.dist_args(&site.dist);
            let vals: Vec<&syn::Ident> = lins.iter().map(|l| &l.value).collect();
            let dname = &site.dist.name;
            let bounds = if site.dist.name == "Uniform" {
                (Some(0), Some(1))
            } else {
                (None, None)
            };
            let d_expr = quote!(#dist::#dname(#(#vals),*));
            (
                lins,
                d_expr,
                quote!(#dist::ContinuousDistribution::support(&__d)),
                bounds,
            )
        };
        let fwd_args = lins.iter().map(|l| {
            let f = &l.forward;
            quote!(#(#f)*)
        });
        let dvar = self.ctx.temp("d");
        let sup = self.ctx.temp("sup");
        let dp = self.ctx.temp("dp");
        let lo_acc = self.ctx.temp("lo");
        let hi_acc = self.ctx.temp("hi");
        let xi = self.ctx.temp("xi");
        let nvar = self.ctx.temp("n");
        let tf = self.ctx.temp("tf");
        // Adjoint of each argument: the prior's partial times the seed, plus a bound's adjoint.
        let arg_bars: Vec<TokenStream> = lins
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let lb = &l.bar;
                let mut e = if flat { quote!(#zero) } else { quote!(#dp[#k]) };
                if bound_args.0 == Some(k) {
                    e = quote!(#e + #lo_acc);
                }
                if bound_args.1 == Some(k) {
                    e = quote!(#e + #hi_acc);
                }
                let r = &l.reverse;
                quote!(let #lb: S = #e; #(#r)*)
            })
            .collect();
        let nparams = lins.len();
        let need = self.needed(&site.dist.args, true);
        let need_once = {
            let bits = need_bits(self.ctx, &site.dist.args, true) | (1u32 << 31);
            quote!(#dist::Needed(#bits))
        };
        let add = self.add_term(name, quote!(__term));
        match &site.dist.iid {
            None => {
                let prior = if flat {
                    quote!(let __term: S = #zero; let #dp: [S; #nparams] = [#zero; #nparams];)
                } else {
                    quote! {
                        // Data-only prior terms once per model (see `observe`); the log
                        // transform's `x` is `ln y`, which densities need not recompute.
                        let (__term, __dy, __dpd) = match #tr::known_ln_value(#sup, x[#xi]) {
                            Some(__ln_y) => #dist::ContinuousDistribution::lpdf_grad_ln(&#dvar, #id, __ln_y, #need_once),
                            None => #dist::ContinuousDistribution::lpdf_grad_needed(&#dvar, #id, #need_once),
                        };
                        if __const_cached.is_none() {
                            __const_acc += #dist::ContinuousDistribution::lpdf_constant(&#dvar, #need_once);
                        }
                        #bar += __dy * __lp_bar;
                        let mut #dp: [S; #nparams] = [#zero; #nparams];
                        #dist::Params::write_params(&__dpd, &mut #dp);
                        for __p in #dp.iter_mut() { *__p *= __lp_bar; }
                    }
                };
                out.fwd.push(quote_spanned!(span=>
                    #(#fwd_args)*
                    let __d = #d_expr;
                    let #dvar = __d;
                    let #sup = #support;
                    let #xi: usize = __off;
                    let (#id, __lj): (S, S) = #tr::constrain_scalar(#sup, x[#xi])?;
                    __off += 1;
                    let mut #bar: S = #zero;
                    #prior
                    { let __term: S = __term + __lj; #add }
                ));
                out.rev.push(quote_spanned!(span=>
                    let (__xb, #lo_acc, #hi_acc) = #tr::constrain_scalar_vjp(#sup, x[#xi], #bar, __lp_bar)?;
                    grad[#xi] = __xb;
                    #(#arg_bars)*
                ));
            }
            Some(n) => {
                // The values are `x`'s slice itself under the identity transform; other
                // transforms write every element of the buffer: no fill needed.
                let buf = format_ident!("{}__buf", id);
                let take = self.take_overwritten(&buf, quote!(#nvar));
                let passive_prior = site.dist.args.iter().all(|a| !self.ctx.is_active(a));
                // With constant prior parameters the prior loop writes every adjoint first.
                let take_bar = if passive_prior && !flat {
                    self.take_overwritten(&bar, quote!(#nvar))
                } else {
                    self.take(&bar, quote!(#nvar), quote!(#zero))
                };
                let prior = if flat {
                    quote!(let __term: S = #zero; let #dp: [S; #nparams] = [#zero; #nparams];)
                } else if passive_prior {
                    // Constant parameters: no parameter adjoints, one tight loop; the
                    // data-only terms (`n` times the same) once per model.
                    quote! {
                        let __need = #dist::Needed(1u32 | (1u32 << 31));
                        let __term: S = #dist::ContinuousDistribution::lpdf_grad_values(&#dvar, &#id[..#nvar], __lp_bar, &mut #bar[..#nvar], __need);
                        if __const_cached.is_none() {
                            __const_acc += (#nvar as f64) * #dist::ContinuousDistribution::lpdf_constant(&#dvar, __need);
                        }
                        let #dp: [S; #nparams] = [#zero; #nparams];
                    }
                } else {
                    quote! {
                        let (__term, __dpd) = #dist::Iid { dist: #dvar, n: #nvar }.lpdf_vjp_needed(&#id[..], __lp_bar, &mut #bar[..], #need)?;
                        let mut #dp: [S; #nparams] = [#zero; #nparams];
                        #dist::Params::write_params(&__dpd, &mut #dp);
                    }
                };
                out.fwd.push(quote_spanned!(span=>
                    let #nvar: usize = (#n) as usize;
                    #(#fwd_args)*
                    let __d = #d_expr;
                    let #dvar = __d;
                    let #sup = #support;
                    let #xi: usize = __off;
                    let mut #buf: Vec<S> = #take;
                    // One transform lookup for the whole vector, then a tight loop.
                    let #tf = #tr::scalar_transform(#sup)?;
                    let (#id, __lj): (&[S], S) = #tr::ScalarSupportTransform::constrained_values(&#tf, &x[#xi..#xi + #nvar], &mut #buf[..]);
                    __off += #nvar;
                    let mut #bar: Vec<S> = #take_bar;
                    #prior
                    { let __term: S = __term + __lj; #add }
                ));
                out.rev.push(quote_spanned!(span=>
                    let (#lo_acc, #hi_acc): (S, S) = #tr::ScalarSupportTransform::constrain_vjp_slice_set(&#tf, &x[#xi..#xi + #nvar], &#bar[..], __lp_bar, &mut grad[#xi..#xi + #nvar]);
                    #(#arg_bars)*
                ));
            }
        }
        let _ = root;
    }

    /// `observe` of a distribution with vector arguments or values: forward, the data
    /// lifted into buffers and the term; reverse, the rule's adjoints (see
    /// `vector_sites::observe_pieces`).
    fn family_observe(
        &mut self,
        name: &str,
        d: &DistCall,
        value: &syn::Expr,
        span: Span,
        out: &mut Sweep,
    ) {
        self.wide_loops = true;
        let scalar = rt::scalar();
        let term_id = self.ctx.temp("term");
        let Some(p) = super::vector_sites::observe_pieces(self.ctx, name, d, value, &term_id)
        else {
            return;
        };
        let zero = quote!(<S as #scalar>::zero());
        let takes: Vec<TokenStream> = p
            .buffers
            .iter()
            .map(|(b, len)| {
                let t = self.take(b, len.clone(), zero.clone());
                quote!(let mut #b: Vec<S> = #t;)
            })
            .collect();
        let (fill, term, reverse) = (&p.fill, &p.term, &p.reverse);
        let add = self.add_term(name, quote!(#term_id));
        out.fwd.push(quote_spanned!(span=>
            #(#takes)*
            #fill
            let #term_id: S = #term;
            #add
        ));
        out.rev.push(quote_spanned!(span=> #reverse));
    }

    /// A site of a vector-valued distribution (see `vector_sites`): forward, the lifted
    /// arguments, the transform and the prior's value; reverse, the prior's reverse rule
    /// (into the site's adjoint and those of its parameter arguments), then the
    /// transform's.
    fn family_sample(
        &mut self,
        site: &crate::ir::Site,
        id: &syn::Ident,
        span: Span,
        out: &mut Sweep,
    ) {
        use super::vector_sites::{classify, data_len, family, lift_fill, Family, VecArg};
        let Some(fam) = family(&site.dist) else {
            return;
        };
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        let tr = rt::transforms();
        let dist = rt::dist();
        let name = &site.name;
        let bar = bar_of(id);
        let args = &site.dist.args;
        let mut fwd = Vec::new();
        let mut slices = Vec::new();
        // Adjoint sinks of the vector arguments: a site's adjoint, or (data) nothing.
        let mut sinks: Vec<Option<syn::Ident>> = Vec::new();
        let mut lens = Vec::new();
        for &k in fam.vector_args() {
            match classify(self.ctx, &args[k]) {
                VecArg::Site(v) => {
                    slices.push(quote!(&#v[..]));
                    sinks.push(Some(bar_of(&v)));
                    lens.push(quote!(#v.len()));
                }
                VecArg::Data(e) => {
                    let buf = self.ctx.temp("va");
                    let len = data_len(self.ctx, &e);
                    let take = self.take(&buf, len, zero.clone());
                    let fill = lift_fill(self.ctx, &e, &buf);
                    fwd.push(quote!(let mut #buf: Vec<S> = #take; #fill));
                    lens.push(quote!(#buf.len()));
                    slices.push(quote!(&#buf[..]));
                    sinks.push(None);
                }
            }
        }
        let real = fam == Family::MultiNormal;
        let mut after = Vec::new();
        let sup = self.ctx.temp("sup");
        let ul = self.ctx.temp("ul");
        let cl = self.ctx.temp("cl");
        let xi = self.ctx.temp("xi");
        let term = self.ctx.temp("term");
        let mut eta_lin = None;
        let (d, sup_expr) = match super::vector_sites::slice_site_dist(fam, &slices) {
            Some(pair) => pair,
            None => {
                // LkjCholesky(k, eta).
                let k = &args[0];
                let lin = linearize(self.ctx, &args[1]);
                let (f, v) = (&lin.forward, &lin.value);
                fwd.push(quote!(#(#f)*));
                let d = quote!(#dist::LkjCholesky((#k) as usize, #v));
                eta_lin = Some(lin);
                (d, quote!(#tr::Support::CorrCholesky((#k) as usize)))
            }
        };
        let take = self.take(id, quote!(#cl), zero.clone());
        let take_bar = self.take(&bar, quote!(#cl), zero.clone());
        let (lens_code, constrain, unconstrain_bar) = if real {
            let l = &slices[1];
            let n = &lens[0];
            (
                super::vector_sites::multi_normal_lens(&name, n, l, &ul, &cl),
                quote!(#id.copy_from_slice(&x[#xi..#xi + #ul]); let __lj: S = #zero;),
                quote! {
                    grad[#xi..#xi + #ul].copy_from_slice(&#bar[..#ul]);
                },
            )
        } else {
            (
                quote! {
                    let #ul: usize = #sup.unconstrained_len();
                    let #cl: usize = #sup.constrained_len();
                },
                quote!(let __lj: S = #tr::constrain_vector(#sup, &x[#xi..#xi + #ul], &mut #id[..])?;),
                quote! {
                    for __g in grad[#xi..#xi + #ul].iter_mut() { *__g = #zero; }
                    #tr::constrain_vector_vjp(#sup, &x[#xi..#xi + #ul], &#id[..], &#bar[..], __lp_bar, &mut grad[#xi..#xi + #ul])?;
                },
            )
        };
        let (prior, prior_vjp) = match fam {
            Family::Dirichlet => {
                let sink = match &sinks[0] {
                    Some(b) => quote!(&mut #b[..]),
                    None => quote!(#dist::NoAdjoint),
                };
                (
                    quote!(#d.lpdf(&#id[..])),
                    quote!(let _ = #d.lpdf_vjp(&#id[..], __lp_bar, &mut #bar[..], #sink);),
                )
            }
            Family::MultiNormal => {
                let scratch = self.ctx.temp("scratch");
                let take_s = self.take(&scratch, quote!(#cl), zero.clone());
                after.push(quote!(let mut #scratch: Vec<S> = #take_s;));
                let mut dummies = Vec::new();
                let sink_of = |k: usize,
                               s: &Option<syn::Ident>,
                               dummies: &mut Vec<(syn::Ident, TokenStream)>,
                               this: &mut Self| match s {
                    Some(b) => quote!(&mut #b[..]),
                    None => {
                        let dm = this.ctx.temp("nobar");
                        let len = if k == 0 {
                            quote!(#cl)
                        } else {
                            quote!(#cl * #cl)
                        };
                        let take = this.take(&dm, len, zero.clone());
                        dummies.push((dm.clone(), take));
                        quote!(&mut #dm[..])
                    }
                };
                let mu_sink = sink_of(0, &sinks[0], &mut dummies, self);
                let l_sink = sink_of(1, &sinks[1], &mut dummies, self);
                let decl = dummies
                    .iter()
                    .map(|(dm, take)| quote!(let mut #dm: Vec<S> = #take;));
                (
                    quote!(#d.lpdf_in(&#id[..], &mut #scratch[..])),
                    quote! {
                        #(#decl)*
                        #d.lpdf_vjp(&#id[..], #term, __lp_bar, &mut #bar[..], #mu_sink, #l_sink, &mut #scratch[..]);
                    },
                )
            }
            Family::LkjCholesky => {
                let back = eta_lin.as_ref().map(|l| {
                    let (lb, r) = (&l.bar, &l.reverse);
                    quote!(let #lb: S = __eb; #(#r)*)
                });
                (
                    quote!(#d.lpdf(&#id[..])),
                    quote!(let __eb: S = #d.lpdf_vjp(&#id[..], #term, __lp_bar, &mut #bar[..]); #back),
                )
            }
        };
        let add = self.add_term(name, quote!(__t));
        out.fwd.push(quote_spanned!(span=>
            #(#fwd)*
            let #sup: #tr::Support<S> = #sup_expr;
            #lens_code
            let #xi: usize = __off;
            let mut #id: Vec<S> = #take;
            #constrain
            __off += #ul;
            let mut #bar: Vec<S> = #take_bar;
            #(#after)*
            let #term: S = #prior;
            { let __t: S = #term + __lj; #add }
        ));
        out.rev.push(quote_spanned!(span=>
            #prior_vjp
            #unconstrain_bar
        ));
    }

    fn observe(
        &mut self,
        name: &str,
        d: &DistCall,
        value: &syn::Expr,
        span: Span,
        later: &BTreeSet<VarId>,
        out: &mut Sweep,
    ) {
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        let dist = rt::dist();
        let root = rt::root();
        if super::vector_sites::observe_family(d).is_some() {
            self.family_observe(name, d, value, span, out);
            return;
        }
        if is_flat(d) || is_vector_dist(d) {
            self.ctx.diag.error(d.span, "observe a scalar distribution (Normal, Poisson, ...), optionally vectorised over a slice");
            return;
        }
        let discrete = is_discrete(d);
        let vector = is_vector_value(self.ctx, value) || d.iid.is_some();
        let mut read: Vec<&syn::Expr> = d.args.iter().collect();
        read.push(value);
        let immediate = self.immediate(&read, later);
        let dname = &d.name;
        let len_check = d.iid.as_ref().map(|n| quote!(#root::check_len(concat!("observe(\"", #name, "\") .iid"), (#n) as usize, (#value).len())?;));
        let add = self.add_term(name, quote!(__term));
        if !vector {
            let lins = self.dist_args(d);
            let vals: Vec<&syn::Ident> = lins.iter().map(|l| &l.value).collect();
            let nparams = lins.len();
            let need = self.needed(&d.args, self.ctx.is_active(value));
            let dp = self.ctx.temp("dp");
            let fwd_args = lins.iter().map(|l| {
                let f = &l.forward;
                quote!(#(#f)*)
            });
            // A normal likelihood with a data scale that runs the same number of times in
            // every call: `-ln σ - ½ ln 2π` is computed on the first call only (summed into
            // `__const_acc`, cached by the model, added to every result).
            let constant_once = !discrete
                && !self.in_replay
                && self.conditional == 0
                && dname == "Normal"
                && d.args.len() == 2
                && !self.ctx.is_active(&d.args[1]);
            let need = if constant_once {
                let bits = need_bits(self.ctx, &d.args, self.ctx.is_active(value)) | (1u32 << 31);
                quote!(#dist::Needed(#bits))
            } else {
                need
            };
            let constant = constant_once.then(|| {
                quote! {
                    if __const_cached.is_none() {
                        __const_acc += #dist::ContinuousDistribution::lpdf_constant(&#dist::#dname(#(#vals),*), #need);
                    }
                }
            });
            let (value_fwd, value_back, term) = if discrete {
                (
                    quote!(),
                    quote!(),
                    quote! {
                        let (__term, __dpd) = #dist::DiscreteDistribution::lpmf_grad(&#dist::#dname(#(#vals),*), (#value) as i64);
                    },
                )
            } else {
                let ylin = linearize(self.ctx, value);
                let (yf, yv, yb, yr) = (&ylin.forward, &ylin.value, &ylin.bar, &ylin.reverse);
                let dy = self.ctx.temp("dy");
                (
                    quote!(#(#yf)*),
                    quote!(let #yb: S = #dy * __lp_bar; #(#yr)*),
                    quote! {
                        let (__term, #dy, __dpd) = #dist::ContinuousDistribution::lpdf_grad_needed(&#dist::#dname(#(#vals),*), #yv, #need);
                    },
                )
            };
            let dy_decl = if discrete {
                quote!()
            } else {
                // the value's partial lives in the forward scope for the reverse statement
                quote!()
            };
            let arg_bars = lins.iter().enumerate().map(|(k, l)| {
                let (lb, r) = (&l.bar, &l.reverse);
                quote!(let #lb: S = #dp[#k] * __lp_bar; #(#r)*)
            });
            out.fwd.push(quote_spanned!(span=>
                #(#fwd_args)*
                #value_fwd
                #term
                #dy_decl
                let mut #dp: [S; #nparams] = [#zero; #nparams];
                #dist::Params::write_params(&__dpd, &mut #dp);
                #add
                #constant
            ));
            let back = quote_spanned!(span=> #value_back #(#arg_bars)*);
            if immediate {
                out.fwd.push(back);
            } else {
                out.rev.push(back);
            }
            return;
        }
        // Vectorised: sinks shaped like the arguments.
        let mut fwd = Vec::new();
        let mut args = Vec::new();
        let mut sinks = Vec::new();
        let mut backs = Vec::new();
        for a in &d.args {
            let is_vec = self.ctx.var_kind(a) == Some(Kind::Reals);
            match (is_vec, self.ctx.is_active(a)) {
                (true, true) => {
                    let bar = match strip(a) {
                        syn::Expr::Path(p) => p.path.get_ident().map(bar_of),
                        _ => None,
                    };
                    let Some(bar) = bar else {
                        self.ctx
                            .diag
                            .error_at(a, "pass a parameter vector by name here");
                        return;
                    };
                    args.push(quote!(&(#a)[..]));
                    sinks.push(quote!(&mut #bar[..]));
                }
                (true, false) => {
                    args.push(quote!(#dist::Data(&(#a)[..])));
                    sinks.push(quote!(#dist::NoAdjoint));
                }
                (false, true) => {
                    let lin = linearize(self.ctx, a);
                    let (f, v, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
                    fwd.push(quote!(#(#f)*));
                    args.push(quote!(#v));
                    sinks.push(quote!(&mut #lb));
                    backs.push((lb.clone(), quote!(#(#r)*)));
                }
                (false, false) => {
                    let l = super::expr::lift(a);
                    args.push(l);
                    sinks.push(quote!(#dist::NoAdjoint));
                }
            }
        }
        let value_is_active_vec = self.ctx.is_active(value);
        let (yarg, ysink) = if discrete {
            (quote!(&(#value)[..]), quote!())
        } else if value_is_active_vec {
            let bar = match strip(value) {
                syn::Expr::Path(p) => p.path.get_ident().map(bar_of),
                _ => None,
            };
            match bar {
                Some(b) => (quote!(&(#value)[..]), quote!(&mut &mut #b[..],)),
                None => {
                    self.ctx
                        .diag
                        .error_at(value, "observe a parameter-dependent vector by name");
                    return;
                }
            }
        } else {
            (
                quote!(#dist::Data(&(#value)[..])),
                quote!(&mut #dist::NoAdjoint,),
            )
        };
        let decl_bars = backs.iter().map(|(lb, _)| quote!(let mut #lb: S = #zero;));
        let run_backs = backs.iter().map(|(_, r)| r.clone());
        let (sum, sum_vjp) = if discrete {
            (
                quote!(#dist::lpmf_sum(&__bd, #yarg)?),
                quote!(#dist::lpmf_sum_vjp(&__bd, #yarg, __lp_bar, &mut __sinks)?),
            )
        } else {
            (
                quote!(#dist::lpdf_sum(&__bd, #yarg)?),
                quote!(#dist::lpdf_sum_vjp(&__bd, #yarg, __lp_bar, #ysink &mut __sinks)?),
            )
        };
        // Families with a vectorised slice rule in `ppl-core` (a SIMD kernel on f64).
        let sum_vjp = match (dname.to_string().as_str(), &d.args[..], &sinks[..]) {
            ("BernoulliLogit", [eta], [sink])
                if discrete
                    && d.iid.is_none()
                    && self.ctx.var_kind(eta) == Some(Kind::Reals)
                    && self.ctx.is_active(eta) =>
            {
                quote!(#dist::bernoulli_logit_lpmf_sum_vjp(#yarg, &(#eta)[..], __lp_bar, #sink)?)
            }
            ("Normal", [mu, sigma], [mu_sink, _])
                if !discrete
                    && !value_is_active_vec
                    && d.iid.is_none()
                    && self.ctx.var_kind(mu) == Some(Kind::Reals)
                    && self.ctx.is_active(mu)
                    && self.ctx.var_kind(sigma) != Some(Kind::Reals) =>
            {
                let sigma_val = &args[1];
                let add_sigma = backs.first().map(|(lb, _)| quote!(#lb += __sb;));
                quote!({
                    let (__t, __sb) = #dist::normal_lpdf_sum_vjp(&(#value)[..], &(#mu)[..], #sigma_val, __lp_bar, #mu_sink)?;
                    #add_sigma
                    __t
                })
            }
            _ => sum_vjp,
        };
        let sync = self.sync_vectors();
        if immediate {
            out.fwd.push(quote_spanned!(span=> {
                #len_check
                #(#fwd)*
                #sync
                let __bd = #dist::#dname(#(#args),*);
                #(#decl_bars)*
                let __term: S = { let mut __sinks = #dist::#dname(#(#sinks),*); #sum_vjp };
                #add
                #(#run_backs)*
            }));
        } else {
            out.fwd.push(quote_spanned!(span=> {
                #len_check
                #(#fwd)*
                let __bd = #dist::#dname(#(#args),*);
                let __term: S = #sum;
                #add
            }));
            out.rev.push(quote_spanned!(span=> {
                #(#fwd)*
                let __bd = #dist::#dname(#(#args),*);
                #(#decl_bars)*
                { let mut __sinks = #dist::#dname(#(#sinks),*); let _ = #sum_vjp; }
                #(#run_backs)*
            }));
        }
    }

    /// `true` when the only outer state a loop body changes is unjournaled vectors (so an
    /// iteration's replay needs nothing restored).
    fn stateless(&self, body: &Block) -> bool {
        let (scalars, vectors, passive) = self.overwritten(body);
        scalars.is_empty() && vectors.is_empty() && passive.is_empty()
    }

    /// `true` when the only outer state a loop body changes is active scalars updated by
    /// `+=`/`-=` with right-hand sides that do not read them, and read nowhere else in it.
    fn accumulates_only(&self, body: &Block) -> bool {
        let (scalars, vectors, passive) = self.overwritten(body);
        if scalars.is_empty() || !vectors.is_empty() || !passive.is_empty() {
            return false;
        }
        let mut read = BTreeSet::new();
        reads(body, &mut read);
        if scalars.iter().any(|v| read.contains(v)) {
            return false;
        }
        fn only_accumulated(b: &Block, vars: &[VarId]) -> bool {
            b.stmts.iter().all(|s| match s {
                Stmt::Assign { place, op, .. } if vars.contains(&place.var()) => {
                    matches!(place, Place::Var(_))
                        && matches!(
                            op,
                            Some(syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_))
                        )
                }
                Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Block(body) => {
                    only_accumulated(body, vars)
                }
                Stmt::If {
                    then, otherwise, ..
                } => {
                    only_accumulated(then, vars)
                        && otherwise.as_ref().is_none_or(|o| only_accumulated(o, vars))
                }
                Stmt::Match { arms, .. } => arms.iter().all(|(_, b)| only_accumulated(b, vars)),
                _ => true,
            })
        }
        only_accumulated(body, &scalars)
    }

    /// Outer state a region overwrites: active scalars, active vectors (journaled) and
    /// passive variables (checkpointed).
    fn overwritten(&self, body: &Block) -> (Vec<VarId>, Vec<VarId>, Vec<VarId>) {
        let (mut a, mut d) = (BTreeSet::new(), BTreeSet::new());
        assigned(body, &mut a);
        declared(body, &mut d);
        let outer: Vec<VarId> = a.into_iter().filter(|v| !d.contains(v)).collect();
        let mut scalars = Vec::new();
        let mut vectors = Vec::new();
        let mut passive = Vec::new();
        for v in outer {
            let var = self.ctx.program.var(v);
            if !self.ctx.activity.is_active(v) {
                passive.push(v);
            } else if var.kind == Kind::Reals {
                if !self.unjournaled.contains(&v) {
                    vectors.push(v);
                }
            } else {
                scalars.push(v);
            }
        }
        (scalars, vectors, passive)
    }

    /// Checkpoint pushes (forward) and the matching restores (reverse) of a region.
    fn checkpoint(
        &mut self,
        body: &Block,
    ) -> (
        TokenStream,
        TokenStream,
        TokenStream,
        TokenStream,
        Vec<VarId>,
    ) {
        let (scalars, vectors, passive) = self.overwritten(body);
        let ck = rt::root();
        let sc: Vec<syn::Ident> = scalars.iter().map(|v| ident(self.ctx, *v)).collect();
        let ps: Vec<syn::Ident> = passive.iter().map(|v| ident(self.ctx, *v)).collect();
        let save = quote!(#(__stacks.values.push(#sc);)* #(#ck::Checkpoint::save(#ps, __stacks);)*);
        let restore_p = ps
            .iter()
            .rev()
            .map(|p| quote!(#p = #ck::Checkpoint::restore(__stacks);));
        let restore_s = sc.iter().rev().map(|s| quote!(#s = __stacks.pop_value();));
        let restore = quote!(#(#restore_p)* #(#restore_s)*);
        // Journal undo for the vectors, each with an id.
        let base = self.journal_ids.len();
        let arms = vectors.iter().enumerate().map(|(k, v)| {
            let id = ident(self.ctx, *v);
            let vid = base + k;
            quote!(#vid => { if __idx == usize::MAX { let _ = #id.pop(); } else { #id[__idx] = __stacks.pop_value(); } })
        });
        let undo = quote! {
            let __nj = __stacks.pop_count();
            for _ in 0..__nj {
                let __vid = __stacks.pop_count();
                let __idx = __stacks.pop_count();
                match __vid { #(#arms)* _ => {} }
            }
        };
        let uninit = quote!();
        (save, restore, undo, uninit, vectors)
    }

    /// The observations of a fused loop that a `NormalSums` sums (see
    /// `ppl_core::distributions::NormalSums`): top-level statements
    /// `observe(.., Normal(μ, σ), y)` of the body with a scalar `y` and a `σ` that is an
    /// active scalar variable declared outside the loop. A fused loop assigns no variable
    /// declared outside it, so `σ` is the same in every iteration: each observation costs
    /// `z = (y - μ)/σ` and its partials, and the log density's and `σ`'s adjoint's sums
    /// come from one running sum of `z²` after the loop.
    fn summed_normals(&mut self, body: &Block) -> Vec<SummedNormal> {
        let mut declared_in = BTreeSet::new();
        declared(body, &mut declared_in);
        let mut out = Vec::new();
        for s in &body.stmts {
            let Stmt::Observe {
                name, dist, value, ..
            } = s
            else {
                continue;
            };
            if dist.name != "Normal"
                || dist.args.len() != 2
                || dist.iid.is_some()
                || is_vector_value(self.ctx, value)
            {
                continue;
            }
            let sigma = match strip(&dist.args[1]) {
                syn::Expr::Path(p) => p.path.get_ident().and_then(var_of_ident),
                _ => None,
            };
            let Some(sigma) = sigma else { continue };
            if declared_in.contains(&sigma)
                || !self.ctx.activity.is_active(sigma)
                || self.ctx.program.var(sigma).kind != Kind::Real
            {
                continue;
            }
            out.push(SummedNormal {
                stmt: s as *const Stmt,
                site: name.clone(),
                acc: self.ctx.temp("normal_sums"),
                sigma: ident(self.ctx, sigma),
            });
        }
        out
    }

    /// The declarations of `summed`'s accumulators (before the loop) and their results
    /// (after it): each site's log-density term and its `σ`'s adjoint.
    fn normal_sums_around(&self, summed: &[SummedNormal]) -> (TokenStream, TokenStream) {
        let dist = rt::dist();
        let opens = summed.iter().map(|n| {
            let (acc, sigma) = (&n.acc, &n.sigma);
            quote!(let mut #acc = #dist::NormalSums::new(#sigma);)
        });
        let closes = summed.iter().map(|n| {
            let (acc, sigma_bar) = (&n.acc, bar_of(&n.sigma));
            let add = self.add_term(&n.site, quote!(__term));
            quote!({
                let (__term, __dsigma) = #acc.finish();
                #add
                #sigma_bar += __dsigma * __lp_bar;
            })
        });
        (quote!(#(#opens)*), quote!(#(#closes)*))
    }

    /// An observation summed by the accumulator `acc` (see `summed_normals`): adds
    /// `(y, μ)` and back-propagates `∂/∂μ` and `∂/∂y = -∂/∂μ`; the term and `σ`'s adjoint
    /// are added after the loop.
    fn summed_observe(
        &mut self,
        acc: &syn::Ident,
        d: &DistCall,
        value: &syn::Expr,
        span: Span,
        later: &BTreeSet<VarId>,
        out: &mut Sweep,
    ) {
        let immediate = self.immediate(&[&d.args[0], &d.args[1], value], later);
        let mu = linearize(self.ctx, &d.args[0]);
        let y = linearize(self.ctx, value);
        let dmu = self.ctx.temp("dmu");
        let (mf, mv, mb, mr) = (&mu.forward, &mu.value, &mu.bar, &mu.reverse);
        let (yf, yv, yb, yr) = (&y.forward, &y.value, &y.bar, &y.reverse);
        out.fwd.push(quote_spanned!(span=>
            #(#mf)*
            #(#yf)*
            let #dmu: S = #acc.add(#yv, #mv);
        ));
        let back = quote_spanned!(span=>
            let #mb: S = #dmu * __lp_bar;
            #(#mr)*
            let #yb: S = -(#dmu * __lp_bar);
            #(#yr)*
        );
        if immediate {
            out.fwd.push(back);
        } else {
            out.rev.push(back);
        }
    }

    /// Integer data and data rows indexed by the variable of a loop over `lo..hi` without
    /// exits, taken once before it: `base[n]` in the loop's code becomes `rows[n]` with
    /// `rows = &base[..hi]` (or empty when `lo ≥ hi`), so the loop indexes them without
    /// bounds checks (LLVM sees `n < hi = rows.len()`): a group index `g[n]` of a gather
    /// `a[g[n]]`, a row `x[n]`. Only bases the body indexes unconditionally (see
    /// [`unconditionally_indexed`]): the loop then reads `base[hi - 1]` in any case, so a
    /// slice too short panics exactly when the loop would, before it rather than in it
    /// (and `new`'s run of the model turns that into an error); a base read only under a
    /// condition may validly be shorter. Real data slices are left alone: taking them too
    /// measured 3–5 % slower on eight_schools_nc's 8-iteration loop (and 2 % faster on
    /// hier_radon_like's 900). Returns the declarations, the loop's iterator (`lo..hi` of
    /// the values computed once) and its code; unchanged for other loops.
    fn hoisted_data_rows(
        &mut self,
        pat: &syn::Pat,
        iter: &syn::Expr,
        body: &Block,
        inner: TokenStream,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let unchanged = |inner| (quote!(), quote!(#iter), inner);
        let (syn::Pat::Ident(p), syn::Expr::Range(r)) = (pat, strip(iter)) else {
            return unchanged(inner);
        };
        let (Some(lo), Some(hi), syn::RangeLimits::HalfOpen(_)) = (&r.start, &r.end, &r.limits)
        else {
            return unchanged(inner);
        };
        let mut bases = Vec::new();
        collect_indexed(&inner, &p.ident, &mut bases);
        let always = unconditionally_indexed(body, &p.ident);
        bases.retain(|b| always.contains(b));
        bases.retain(|b| {
            var_of_ident(b)
                .and_then(|v| self.ctx.program.vars.get(v.0))
                .is_some_and(|var| {
                    var.origin == crate::ir::Origin::Data
                        && matches!(var.kind, Kind::Ints | Kind::Rows)
                })
        });
        bases.sort_by_key(|i| i.to_string());
        bases.dedup();
        if bases.is_empty() {
            return unchanged(inner);
        }
        let (lo_v, hi_v) = (self.ctx.temp("lo"), self.ctx.temp("hi"));
        let names: Vec<(syn::Ident, syn::Ident)> = bases
            .into_iter()
            .map(|b| (b, self.ctx.temp("rows")))
            .collect();
        let decls = names.iter().map(
            |(b, rows)| quote!(let #rows: &[_] = if #lo_v < #hi_v { &#b[..#hi_v] } else { &[] };),
        );
        let inner = replace_indexed(inner, &p.ident, &names);
        (
            quote!(let #lo_v = #lo; let #hi_v = #hi; #(#decls)*),
            quote!(#lo_v..#hi_v),
            inner,
        )
    }

    /// A loop's additions into outer accumulators, made into additions into loop-local
    /// ones: the adjoints of the outer active scalars the body reads (the loop, fused or
    /// the replay of a stateless one, only adds into them) and, if `with_lp`, the log
    /// density. Returns the
    /// declarations to put before the loop, the body with those names replaced, and the
    /// additions of the local sums to put after it. An accumulator that lives across the
    /// calls around the loop is kept in memory by LLVM, and adding into it in the loop then
    /// costs a store-to-load round trip per iteration; the loop-local sum stays in a
    /// register. (The sums are rounded in a different order: the same value up to
    /// rounding.)
    fn loop_local_accumulators(
        &mut self,
        body: &Block,
        inner: TokenStream,
        with_lp: bool,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let scalar = rt::scalar();
        let (mut r, mut d) = (BTreeSet::new(), BTreeSet::new());
        reads(body, &mut r);
        declared(body, &mut d);
        let mut names: Vec<(syn::Ident, syn::Ident)> = r
            .into_iter()
            .filter(|v| {
                !d.contains(v)
                    && self.ctx.activity.is_active(*v)
                    && self.ctx.program.var(*v).kind == Kind::Real
            })
            .map(|v| (bar_of(&ident(self.ctx, v)), self.ctx.temp("acc")))
            .collect();
        if with_lp {
            names.push((format_ident!("__lp"), self.ctx.temp("acc")));
        }
        let opens = names
            .iter()
            .map(|(_, a)| quote!(let mut #a: S = <S as #scalar>::zero();));
        let closes = names.iter().map(|(o, a)| quote!(#o += #a;));
        let inner = rename_idents(inner, &names);
        (quote!(#(#opens)*), inner, quote!(#(#closes)*))
    }

    /// The loops of a stateless loop's body (see the `For` arm) whose checkpoints its
    /// first forward pass can push, with their carried scalars: top-level loops of the
    /// body (run in every iteration, so the replay meets them in the same order) that the
    /// replay compiles as recorded loops without exits whose only checkpoints are active
    /// scalars (no journaled vectors, no passive state, no trip count).
    ///
    /// Stack order: each iteration of such a loop pushes its carried values; at the end
    /// of the body's iteration the loops' final values are pushed, the last loop's first.
    /// The replay's forward part then pops the first loop's final values first (it meets
    /// the loops in body order), and its reverse part pops each loop's checkpoints, the
    /// last loop's first. So no statement before such a loop may push in the replay's
    /// forward part: the candidates stop at the first loop, branch or block with
    /// parameter-dependent statements that is not one of them.
    fn prerecordable(&mut self, body: &Block) -> Vec<RecordedLoop> {
        let mut out = Vec::new();
        for (k, s) in body.stmts.iter().enumerate() {
            let compound_active = match s {
                Stmt::For { body: b, .. } | Stmt::While { body: b, .. } | Stmt::Block(b) => {
                    is_active_block(self.ctx, b)
                }
                Stmt::If {
                    then, otherwise, ..
                } => {
                    is_active_block(self.ctx, then)
                        || otherwise
                            .as_ref()
                            .is_some_and(|o| is_active_block(self.ctx, o))
                }
                Stmt::Match { arms, .. } => arms.iter().any(|(_, b)| is_active_block(self.ctx, b)),
                _ => false,
            };
            let Stmt::For { body: inner, .. } = s else {
                if compound_active {
                    break;
                }
                continue;
            };
            // What the replay's `sweep_block` passes as `later` (its `after` is empty).
            let mut later = BTreeSet::new();
            assigned(
                &Block {
                    stmts: body.stmts[k + 1..].to_vec(),
                },
                &mut later,
            );
            let (scalars, vectors, passive) = self.overwritten(inner);
            let recorded = is_active_block(self.ctx, inner)
                && loop_exit(inner).is_none()
                && !self.fusable(inner, &later)
                && !self.stateless(inner)
                && !self.accumulates_only(inner);
            if recorded && !scalars.is_empty() && vectors.is_empty() && passive.is_empty() {
                let carried = scalars.iter().map(|v| ident(self.ctx, *v)).collect();
                let finals = scalars.iter().map(|_| self.ctx.temp("final")).collect();
                out.push(RecordedLoop {
                    stmt: s as *const Stmt,
                    carried,
                    finals,
                });
            } else if compound_active {
                break;
            }
        }
        out
    }

    /// [`Self::journaled_primal`] (no journal) with `recorded` loops pushing their
    /// checkpoints.
    fn recording_primal(&mut self, body: &Block, recorded: &[RecordedLoop]) -> TokenStream {
        // A single loop writes its final values itself, into slots it reserved (see
        // `PrimalGen::recorded_loops`).
        let finals = recorded.iter().rev().flat_map(|l| l.finals.iter());
        let tail = if recorded.len() > 1 {
            quote!(#(__stacks.values.push(#finals);)*)
        } else {
            quote!()
        };
        let mut g = PrimalGen::new(self.ctx, Flavor::Density);
        g.slots = self.slots;
        g.recorded_loops = recorded.to_vec();
        let code = g.block_with_tail(body, tail);
        self.slots = g.slots;
        code
    }

    /// Primal code of a block with writes to `journal` vectors recorded.
    fn journaled_primal(&mut self, body: &Block, vectors: &[VarId]) -> TokenStream {
        let base = self.journal_ids.len();
        let mut g = PrimalGen::new(self.ctx, Flavor::Density);
        g.slots = self.slots;
        g.journal = vectors
            .iter()
            .enumerate()
            .map(|(k, v)| (*v, base + k))
            .collect();
        let code = g.block(body);
        self.slots = g.slots;
        if self.in_replay {
            // Inside a replay the terms were added by the forward sweep already: the
            // primal's additions go to a shadowing accumulator that is dropped.
            let scalar = rt::scalar();
            return quote!({ let mut __lp: S = <S as #scalar>::zero(); #code });
        }
        code
    }

    /// A recorded loop: `head` runs the forward iterations, `rev_head` the reverse ones.
    #[allow(clippy::too_many_arguments)]
    fn recorded(
        &mut self,
        body: &Block,
        span: Span,
        head: TokenStream,
        rev_head: TokenStream,
        trips: Option<syn::Ident>,
        stop: Option<TokenStream>,
        prerecorded: bool,
        out: &mut Sweep,
    ) {
        self.recursions = true;
        let (save, restore, mut undo, _, vectors) = self.checkpoint(body);
        // Inside a replay the forward pass only rebuilds the checkpoints: writes to
        // unjournaled vectors were done by the first forward sweep (their final state is
        // what every reader sees), so they are left out.
        let pruned;
        let forward_body = if self.in_replay && !self.unjournaled.is_empty() {
            pruned = unjournaled::without_writes_to(body, &self.unjournaled);
            &pruned
        } else {
            body
        };
        let primal = self.journaled_primal(forward_body, &vectors);
        let count = trips.as_ref().map(|t| quote!(#t += 1;));
        let push_trips = trips.as_ref().map(|t| quote!(__stacks.counts.push(#t);));
        let (nj, push_nj) = if vectors.is_empty() {
            undo = quote!();
            (quote!(), quote!())
        } else {
            (
                quote!(let mut __nj: usize = 0;),
                quote!(__stacks.counts.push(__nj);),
            )
        };
        if prerecorded {
            // The first forward pass pushed every iteration's checkpoint and then the
            // final values (see `prerecordable`): take the final values back.
            let carried = self.overwritten(body).0;
            let finals = carried.iter().rev().map(|v| {
                let id = ident(self.ctx, *v);
                quote!(#id = __stacks.pop_value();)
            });
            out.fwd.push(quote_spanned!(span=> #(#finals)*));
        } else {
            out.fwd.push(quote_spanned!(span=>
                #head {
                    #save
                    #nj
                    #primal
                    #push_nj
                    #count
                    #stop
                }
                #push_trips
            ));
        }
        // The carried scalars whose value at the end of an iteration the reverse sweep
        // has at hand: the replay of iteration `t` uses it instead of recomputing the
        // assignment's root operation (a GARCH loop's `sqrt`).
        let ends = end_values(body, &self.overwritten(body).0);
        let mut end_fwd = Vec::new();
        let (mut take_start, mut pass_end) = (Vec::new(), Vec::new());
        for (stmt, v) in &ends {
            let id = ident(self.ctx, *v);
            let (end, start) = (self.ctx.temp("end"), self.ctx.temp("start"));
            end_fwd.push(quote!(let mut #end: S = #id;));
            take_start.push(quote!(let #start: S = #id;));
            pass_end.push(quote!(#end = #start;));
            self.known_values.push((*stmt as *const Stmt, end));
        }
        let replay = self.replay(body, &vectors);
        self.known_values
            .truncate(self.known_values.len() - ends.len());
        out.fwd.push(quote!(#(#end_fwd)*));
        out.rev.push(quote_spanned!(span=>
            #rev_head {
                #undo
                #restore
                #(#take_start)*
                #replay
                #(#pass_end)*
            }
        ));
    }

    /// `break`/`continue` of an active loop: declares the flags (forward, before the loop)
    /// and returns the body with them (see [`desugar_exits`]) and the `brk` flag when the
    /// body breaks.
    fn lower_exits(
        &mut self,
        body: &Block,
        out: &mut Sweep,
    ) -> Option<(Block, Option<syn::Ident>)> {
        loop_exit(body)?;
        let exit = self.ctx.temp("exit");
        let brk = self.ctx.temp("brk");
        let mut lowered = desugar_exits(body, &exit, &brk);
        lowered
            .stmts
            .insert(0, Stmt::Expr(syn::parse_quote!(#exit = false)));
        out.fwd
            .push(quote!(let mut #exit: bool = false; let mut #brk: bool = false;));
        Some((lowered, has_break(body).then_some(brk)))
    }

    /// Branches recorded with the index of the one taken.
    fn recorded_branches(
        &mut self,
        blocks: &[Block],
        select: TokenStream,
        span: Span,
        out: &mut Sweep,
    ) {
        let mut all = Block::default();
        blocks
            .iter()
            .for_each(|b| all.stmts.extend(b.stmts.iter().cloned()));
        let (save, restore, undo, _, vectors) = self.checkpoint(&all);
        let arm = self.ctx.temp("arm");
        let primals: Vec<TokenStream> = blocks
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let p = self.journaled_primal(b, &vectors);
                quote!(#k => #p)
            })
            .collect();
        out.fwd.push(quote_spanned!(span=>
            let #arm: usize = #select;
            #save
            let mut __nj: usize = 0;
            match #arm { #(#primals)* _ => {} }
            __stacks.counts.push(__nj);
            __stacks.counts.push(#arm);
        ));
        let replays: Vec<TokenStream> = blocks
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let r = self.replay(b, &vectors);
                quote!(#k => #r)
            })
            .collect();
        out.rev.push(quote_spanned!(span=> {
            let #arm = __stacks.pop_count();
            #undo
            #restore
            match #arm { #(#replays)* _ => {} }
        }));
    }

    /// Replays a region body: forward sweep then reverse sweep, with terms not re-added.
    fn replay(&mut self, body: &Block, vectors: &[VarId]) -> TokenStream {
        let was = self.in_replay;
        self.in_replay = true;
        self.journal_ids.extend(vectors.iter().copied());
        let code = self.fused_scope(body, &BTreeSet::new());
        self.journal_ids
            .truncate(self.journal_ids.len() - vectors.len());
        self.in_replay = was;
        code
    }
}

/// An observation of a fused loop summed by a `NormalSums` (see
/// `VjpGen::summed_normals`).
struct SummedNormal {
    /// The `observe` statement.
    stmt: *const Stmt,
    /// Its site name.
    site: String,
    /// The accumulator's name.
    acc: syn::Ident,
    /// The scale variable.
    sigma: syn::Ident,
}

/// The unused-binding name of the `dp` arrays (silences warnings in generated code).
pub fn allow_attrs() -> TokenStream {
    let _ = format_ident!("x");
    quote!(#[allow(unused_variables, non_snake_case, unused_mut, unused_parens, unused_assignments, unused_braces, clippy::all)])
}
