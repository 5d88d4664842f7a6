//! Accumulation loops over an index range, compiled for speed (a child of `vjp`).
//!
//! A loop `for k in lo..hi { let ..; acc += e }` whose only outer effect is the `+=`/`-=`
//! into one active scalar (a dot product `eta += x[n][k] * beta[k]`, a sum of squares)
//! needs no checkpoint: the adjoint of `acc` is the same in every iteration, so
//!
//! * the forward sweep is the sum `acc += Σ_k e_k`, computed with four independent
//!   partial sums (the in-order sum is a chain of dependent additions) by a loop unrolled
//!   in the generated code ([`unrolled_sum`]; a closure passed to a summing function
//!   stops being inlined once its body is large, and then nothing is hoisted out of it);
//! * the reverse sweep runs each iteration's `let`s and the reverse rules of `e` seeded
//!   with `acc_bar` (`beta_bar[k] += acc_bar * x[n][k]`): no stack, no journal, and no
//!   reset-then-add of `acc_bar` that would make it a loop-carried value.
//!
//! Both loops index without bounds checks where they can, so LLVM vectorises them: a
//! passive slice indexed by the loop variable whose base does not change in the loop
//! (`x[n]` in `x[n][k]`) is taken once as `&x[n][..hi]`, and every active vector and
//! adjoint vector indexed by the loop variable is checked once against `hi`. The loop
//! would index them at `hi - 1` anyway, so a too-short slice still panics (before the
//! loop rather than in it) and a non-empty loop reads exactly what it read before.

use super::{declared, strip, Sweep, VjpGen};
use crate::analysis::activity::{refs, var_of_ident};
use crate::codegen::expr::{bar_of, linearize, Ctx};
use crate::codegen::primal::ident;
use crate::ir::{Block, Kind, Place, Stmt, VarId};
use crate::runtime_paths as rt;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use std::collections::BTreeSet;
use syn::visit_mut::VisitMut;

/// Rewrites `base[k]` to `row[k]` for loop-invariant passive bases, and records the
/// active vectors indexed by `k`.
struct Rows<'x, 'a> {
    ctx: &'x Ctx<'a>,
    k: syn::Ident,
    inner: BTreeSet<VarId>,
    rows: Vec<(syn::Ident, syn::Expr, String)>,
    vectors: BTreeSet<VarId>,
    fresh: usize,
}

impl<'x, 'a> Rows<'x, 'a> {
    /// Rewrites the `let` initialisers and the final value of a loop body over `k` (whose
    /// own variables, loop variables included, are `inner`).
    fn rewrite(ctx: &'x Ctx<'a>, k: &syn::Ident, inner: BTreeSet<VarId>, body: &mut Block) -> Self {
        let mut rows = Rows {
            ctx,
            k: k.clone(),
            inner,
            rows: Vec::new(),
            vectors: BTreeSet::new(),
            fresh: 0,
        };
        for s in &mut body.stmts {
            match s {
                Stmt::Let { init, .. } => rows.visit_expr_mut(init),
                Stmt::Assign { value, .. } => rows.visit_expr_mut(value),
                _ => {}
            }
        }
        rows
    }

    /// A base that can be taken as a slice once: a passive data vector `v`, or a row
    /// `m[i]` of a passive data matrix, reading nothing the loop defines.
    fn hoistable(&self, base: &syn::Expr) -> bool {
        let ctx = self.ctx;
        if ctx.is_active(base) || !refs(base).is_disjoint(&self.inner) {
            return false;
        }
        match strip(base) {
            syn::Expr::Path(_) => matches!(ctx.var_kind(base), Some(Kind::Reals | Kind::Ints)),
            syn::Expr::Index(ix) => ctx.var_kind(&ix.expr) == Some(Kind::Rows),
            _ => false,
        }
    }
}

impl VisitMut for Rows<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Index(ix) = e {
            let by_k = matches!(strip(&ix.index), syn::Expr::Path(p) if p.path.is_ident(&self.k));
            if by_k && self.hoistable(&ix.expr) {
                let base = (*ix.expr).clone();
                let key = quote!(#base).to_string();
                let row = match self.rows.iter().find(|(_, _, s)| *s == key) {
                    Some((r, _, _)) => r.clone(),
                    None => {
                        self.fresh += 1;
                        let r = format_ident!("__row{}_{}", self.k, self.fresh);
                        self.rows.push((r.clone(), base, key));
                        r
                    }
                };
                let k = &self.k;
                *e = syn::parse_quote!(#row[#k]);
                return;
            }
            if by_k && self.ctx.var_kind(&ix.expr) == Some(Kind::Reals) {
                if let syn::Expr::Path(p) = strip(&ix.expr) {
                    if let Some(v) = p.path.get_ident().and_then(var_of_ident) {
                        if self.ctx.activity.is_active(v) {
                            self.vectors.insert(v);
                        }
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// `true` when generated tokens contain `?` or `return` (kept out of the unrolled sum,
/// which emits its body four times).
pub(in crate::codegen) fn leaves_early(ts: &TokenStream) -> bool {
    ts.clone().into_iter().any(|t| match t {
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Ident(i) => i == "return",
        TokenTree::Group(g) => leaves_early(&g.stream()),
        TokenTree::Literal(_) => false,
    })
}

/// The shape `for k in lo..hi { let ..; acc += e }` (or `-=`): simple scalar `let`s, then
/// one `+=`/`-=` into a scalar declared outside, with some index by `k` (so `k` is a
/// `usize`). `lets` and `value` come with the rows hoisted (see [`Rows`]).
pub(in crate::codegen) struct Reduction {
    /// The loop variable.
    pub k: syn::Ident,
    /// The accumulator.
    pub acc: VarId,
    /// `+=` or `-=`.
    pub op: syn::BinOp,
    /// The body's `let`s.
    pub lets: Block,
    /// `e`.
    pub value: syn::Expr,
    /// Hoisted rows: `(name, base, key)`.
    pub rows: Vec<(syn::Ident, syn::Expr, String)>,
    /// Active vectors indexed by `k` (checked once against `hi`).
    pub vectors: BTreeSet<VarId>,
}

impl Reduction {
    /// The reduction a loop is, if it has that shape.
    pub(in crate::codegen) fn of(
        ctx: &Ctx,
        pat: &syn::Pat,
        iter: &syn::Expr,
        loop_vars: &[VarId],
        body: &Block,
    ) -> Option<Reduction> {
        let syn::Expr::Range(range) = strip(iter) else {
            return None;
        };
        if !matches!(range.limits, syn::RangeLimits::HalfOpen(_))
            || range.start.is_none()
            || range.end.is_none()
            || loop_vars.len() != 1
        {
            return None;
        }
        let syn::Pat::Ident(pi) = pat else {
            return None;
        };
        if pi.by_ref.is_some() || pi.subpat.is_some() {
            return None;
        }
        let (last, lets) = body.stmts.split_last()?;
        let Stmt::Assign {
            place: Place::Var(acc),
            op: Some(op @ (syn::BinOp::AddAssign(_) | syn::BinOp::SubAssign(_))),
            ..
        } = last
        else {
            return None;
        };
        let simple_let = |s: &Stmt| match s {
            Stmt::Let { vars, .. } => {
                vars.len() == 1
                    && matches!(ctx.program.var(vars[0]).kind, Kind::Real | Kind::Discrete)
            }
            _ => false,
        };
        if !lets.iter().all(simple_let) {
            return None;
        }
        // Index rewriting: rows hoisted, active vectors noted.
        let mut inner = BTreeSet::new();
        declared(body, &mut inner);
        inner.extend(loop_vars.iter().copied());
        inner.insert(*acc);
        let mut body = body.clone();
        let rows = Rows::rewrite(ctx, &pi.ident, inner, &mut body);
        // Without an index by `k`, `k` need not be a `usize`: keep the general path.
        if rows.rows.is_empty() && rows.vectors.is_empty() {
            return None;
        }
        let (Stmt::Assign { value, .. }, lets) = body.stmts.split_last()? else {
            return None;
        };
        Some(Reduction {
            k: pi.ident.clone(),
            acc: *acc,
            op: *op,
            lets: Block {
                stmts: lets.to_vec(),
            },
            value: value.clone(),
            rows: rows.rows,
            vectors: rows.vectors,
        })
    }
}

impl Reduction {
    /// `(row, v)` when the loop is a dot product of a data row and an active vector:
    /// no `let`s and `e = row[k] * v[k]` (either order), run by `ppl_core::math::dot_data`
    /// and its reverse rule (SIMD over chunks, no bounds checks).
    pub(in crate::codegen) fn dot_form(&self, ctx: &Ctx) -> Option<(syn::Ident, syn::Ident)> {
        if !self.lets.stmts.is_empty() {
            return None;
        }
        let syn::Expr::Binary(b) = strip(&self.value) else {
            return None;
        };
        if !matches!(b.op, syn::BinOp::Mul(_)) {
            return None;
        }
        let by_k = |e: &syn::Expr| -> Option<syn::Ident> {
            let syn::Expr::Index(ix) = strip(e) else {
                return None;
            };
            let syn::Expr::Path(i) = strip(&ix.index) else {
                return None;
            };
            let syn::Expr::Path(base) = strip(&ix.expr) else {
                return None;
            };
            i.path
                .is_ident(&self.k)
                .then(|| base.path.get_ident().cloned())?
        };
        let (l, r) = (by_k(&b.left)?, by_k(&b.right)?);
        // A row of reals (data `&[f64]`, a data matrix row), not of integers.
        let is_row = |i: &syn::Ident| {
            self.rows
                .iter()
                .any(|(r, base, _)| r == i && ctx.var_kind(base) != Some(Kind::Ints))
        };
        let is_vec = |i: &syn::Ident| var_of_ident(i).is_some_and(|v| self.vectors.contains(&v));
        match (is_row(&l), is_vec(&r), is_row(&r), is_vec(&l)) {
            (true, true, _, _) => Some((l, r)),
            (_, _, true, true) => Some((r, l)),
            _ => None,
        }
    }
}

impl VjpGen<'_, '_> {
    /// Compiles `for k in lo..hi { let ..; acc += e }` as the module documentation
    /// describes; `false` (nothing emitted) when the loop does not have that shape.
    pub(super) fn accumulation_loop(
        &mut self,
        pat: &syn::Pat,
        iter: &syn::Expr,
        loop_vars: &[VarId],
        body: &Block,
        span: Span,
        out: &mut Sweep,
    ) -> bool {
        let Some(red) = Reduction::of(self.ctx, pat, iter, loop_vars, body) else {
            return false;
        };
        let dot_form = red.dot_form(self.ctx);
        let Reduction {
            k,
            acc,
            op,
            lets,
            value,
            rows: row_list,
            vectors,
        } = red;

        // Forward: the sum, in a closure.
        let (it, ne) = (self.ctx.temp("it"), self.ctx.temp("nonempty"));
        self.scopes.push(Vec::new());
        self.vectors.push(Vec::new());
        let was = self.in_replay;
        self.in_replay = true;
        let fwd_lets = self.sweep_block(&lets, &BTreeSet::new()).forward();
        self.in_replay = was;
        let taken = self.scopes.pop().unwrap_or_default();
        self.vectors.pop();
        if !taken.is_empty() {
            self.ctx
                .diag
                .error(span, "internal: a scratch buffer in an accumulation loop");
            return true;
        }
        let lin = linearize(self.ctx, &value);
        let (lf, lv) = (&lin.forward, &lin.value);
        let closure_body = quote!(#fwd_lets #(#lf)* #lv);
        if leaves_early(&closure_body) {
            return false;
        }
        let acc_id = ident(self.ctx, acc);
        let sum = unrolled_sum(quote!(#it.start), quote!(#it.end), &k, &closure_body);
        let acc_bar = bar_of(&acc_id);
        let row_decls = row_list.iter().map(|(r, base, _)| {
            quote_spanned!(span=> let #r: &[_] = if #ne { &(#base)[..#it.end] } else { &[] };)
        });
        let vec_ids: Vec<syn::Ident> = vectors.iter().map(|v| ident(self.ctx, *v)).collect();
        let bar_ids: Vec<syn::Ident> = vec_ids.iter().map(bar_of).collect();
        let seed = if matches!(op, syn::BinOp::SubAssign(_)) {
            quote!(-#acc_bar)
        } else {
            quote!(#acc_bar)
        };
        if let Some((row, v)) = dot_form {
            self.wide_loops = true;
            let (math, scalar) = (rt::math(), rt::scalar());
            let v_bar = bar_of(&v);
            out.fwd.push(quote_spanned!(span=>
                let #it = #iter;
                let #ne: bool = #it.start < #it.end;
                #(#row_decls)*
                if #ne { #acc_id #op #math::dot_data(&#row[#it.clone()], &#v[#it.clone()]); }
            ));
            out.rev.push(quote_spanned!(span=>
                if #ne {
                    #math::dot_data_vjp(&#row[#it.clone()], &#v[#it.clone()], <S as #scalar>::zero(), #seed, &mut #v_bar[#it.clone()]);
                }
            ));
            return true;
        }
        out.fwd.push(quote_spanned!(span=>
            let #it = #iter;
            let #ne: bool = #it.start < #it.end;
            #(#row_decls)*
            if #ne { #( assert!(#it.end <= #vec_ids.len()); )* }
            #acc_id #op #sum;
        ));

        // Reverse: each iteration's lets, then the reverse rules of `e` seeded with the
        // accumulator's adjoint.
        self.scopes.push(Vec::new());
        self.vectors.push(Vec::new());
        let was = self.in_replay;
        self.in_replay = true;
        let mut sweep = self.sweep_block(&lets, &BTreeSet::new());
        self.in_replay = was;
        let lin = linearize(self.ctx, &value);
        let (lf, lb, lr) = (&lin.forward, &lin.bar, &lin.reverse);
        sweep.fwd.push(quote!(#(#lf)*));
        sweep.rev.push(quote!(let #lb: S = #seed; #(#lr)*));
        let fwd = sweep.forward();
        let sync = self.sync_vectors();
        let rev = sweep.reversed();
        let back = self.put_backs();
        self.scopes.pop();
        self.vectors.pop();
        out.rev.push(quote_spanned!(span=>
            if #ne { #( assert!(#it.end <= #vec_ids.len() && #it.end <= #bar_ids.len()); )* }
            for #pat in #it.clone() { #fwd #sync #rev #back }
        ));
        true
    }
}

/// `Σ_{k ∈ lo..hi} body(k)` as an expression, with four independent partial sums: `s_j`
/// sums the terms `k ≡ lo + j (mod 4)` of the leading multiple of four, the remainder goes
/// to `s_0`, and the value is `(s_0 + s_1) + (s_2 + s_3)` (the same order as
/// `ppl_core::ad::reduce_sum`). `body` is emitted once per lane, in its own block with `k`
/// bound to the lane's index, so LLVM sees one loop and hoists what does not depend on `k`.
pub(in crate::codegen) fn unrolled_sum(
    lo: TokenStream,
    hi: TokenStream,
    k: &syn::Ident,
    body: &TokenStream,
) -> TokenStream {
    let scalar = rt::scalar();
    let zero = quote!(<S as #scalar>::zero());
    quote! {{
        let (mut __s0, mut __s1, mut __s2, mut __s3): (S, S, S, S) = (#zero, #zero, #zero, #zero);
        let __hi: usize = #hi;
        let mut __k: usize = #lo;
        while __k < __hi && __hi - __k >= 4 {
            __s0 += { let #k: usize = __k; #body };
            __s1 += { let #k: usize = __k + 1; #body };
            __s2 += { let #k: usize = __k + 2; #body };
            __s3 += { let #k: usize = __k + 3; #body };
            __k += 4;
        }
        while __k < __hi {
            __s0 += { let #k: usize = __k; #body };
            __k += 1;
        }
        (__s0 + __s1) + (__s2 + __s3)
    }}
}
