//! The primal log density, generic over `S: Scalar` (at `S = Dual` it is the JVP), and its
//! `f64` variants for `unconstrain` and `simulate`, which differ only at sites.

use super::expr::{primal, strip, Ctx};
use super::sites::{
    broadcast_dist, flat_support, is_discrete, is_flat, is_vector_value, scalar_dist,
};
use super::vjp::accumulate::{leaves_early, unrolled_sum, Reduction};
use crate::ir::lower::is_vector_dist;
use crate::ir::{Block, Kind, Place, Stmt, VarId};
use crate::runtime_paths as rt;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// What the generated function does at sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Log density at `x` (generic `S`), recording constrained values when asked.
    Density,
    /// Turn user-given constrained values into `x` (at `f64`).
    Unconstrain,
    /// Draw parameters (unless given) and observations (at `f64`).
    Simulate,
}

/// Generates statement code for one flavour.
pub struct PrimalGen<'c, 'a> {
    /// Shared context.
    pub ctx: &'c mut Ctx<'a>,
    /// The flavour.
    pub flavor: Flavor,
    /// Next scratch-buffer slot.
    pub slots: usize,
    /// Vectors whose element writes and pushes are journaled (with their journal ids),
    /// inside the forward pass of a recorded region of the gradient.
    pub journal: Vec<(VarId, usize)>,
    /// Loops (by address) that push their carried scalars (the first list, in that
    /// order) onto the value stack at the start of every iteration, and keep their final
    /// values in the second list's variables: the checkpoints of the gradient's reverse
    /// sweep, recorded by its first forward pass (see `VjpGen::prerecordable`).
    pub recorded_loops: Vec<RecordedLoop>,
    scopes: Vec<Vec<(usize, syn::Ident)>>,
}

/// A loop whose checkpoints the primal pushes (see [`PrimalGen::recorded_loops`]).
#[derive(Clone)]
pub struct RecordedLoop {
    /// The loop statement.
    pub stmt: *const Stmt,
    /// Its carried scalars.
    pub carried: Vec<syn::Ident>,
    /// Variables receiving their values after the loop.
    pub finals: Vec<syn::Ident>,
}

/// The unique identifier of a variable.
pub fn ident(ctx: &Ctx, v: VarId) -> syn::Ident {
    crate::ir::lower::unique_ident(ctx.program.var(v), v)
}

/// Rewrites an expression to plain `f64` values: active scalars `x` become
/// `Scalar::value(x)` (for conditions and other places where derivatives do not flow).
pub fn values_only(ctx: &Ctx, e: &syn::Expr) -> syn::Expr {
    struct V<'x, 'a> {
        ctx: &'x Ctx<'a>,
    }
    impl VisitMut for V<'_, '_> {
        fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
            let scalar = rt::scalar();
            match e {
                syn::Expr::Path(_)
                    if self.ctx.is_active(e) && self.ctx.var_kind(e) == Some(Kind::Real) =>
                {
                    let inner = e.clone();
                    *e = syn::parse_quote_spanned!(inner.span()=> (<S as #scalar>::value(#inner)));
                    return;
                }
                syn::Expr::Index(ix)
                    if self.ctx.is_active(&ix.expr)
                        && self.ctx.var_kind(&ix.expr) == Some(Kind::Reals) =>
                {
                    let inner = e.clone();
                    *e = syn::parse_quote_spanned!(inner.span()=> (<S as #scalar>::value(#inner)));
                    return;
                }
                _ => {}
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
    }
    let mut e = e.clone();
    V { ctx }.visit_expr_mut(&mut e);
    e
}

impl<'c, 'a> PrimalGen<'c, 'a> {
    /// A generator of the given flavour.
    pub fn new(ctx: &'c mut Ctx<'a>, flavor: Flavor) -> Self {
        PrimalGen {
            ctx,
            flavor,
            slots: 0,
            journal: Vec::new(),
            recorded_loops: Vec::new(),
            scopes: vec![Vec::new()],
        }
    }

    /// Code of a block in its own Rust scope, returning buffers at its end.
    pub fn block(&mut self, b: &Block) -> TokenStream {
        self.block_with_tail(b, quote!())
    }

    /// [`Self::block`] with `tail` run after its statements (in their scope).
    pub fn block_with_tail(&mut self, b: &Block, tail: TokenStream) -> TokenStream {
        self.scopes.push(Vec::new());
        let stmts: Vec<TokenStream> = b.stmts.iter().map(|s| self.stmt(s)).collect();
        let back = self.put_backs();
        quote!({ #(#stmts)* #tail #back })
    }

    /// Code of the top-level statements (no extra scope), buffers returned at the end.
    pub fn top(&mut self, b: &Block) -> (TokenStream, TokenStream) {
        let stmts: Vec<TokenStream> = b.stmts.iter().map(|s| self.stmt(s)).collect();
        let back = self.put_backs();
        (quote!(#(#stmts)*), back)
    }

    fn put_backs(&mut self) -> TokenStream {
        let taken = self.scopes.pop().unwrap_or_default();
        self.scopes.push(Vec::new());
        let items = taken
            .iter()
            .rev()
            .map(|(slot, id)| quote!(__stacks.put_back(#slot, #id);));
        let out = quote!(#(#items)*);
        self.scopes.pop();
        out
    }

    /// A scratch vector of `S` from the workspace (no allocation after warm-up).
    fn take(&mut self, id: &syn::Ident, len: TokenStream, fill: TokenStream) -> TokenStream {
        let slot = self.slots;
        self.slots += 1;
        if let Some(s) = self.scopes.last_mut() {
            s.push((slot, id.clone()));
        }
        quote!(__stacks.take(#slot, #len, #fill))
    }

    /// An accumulation `for k in lo..hi { let ..; acc += e }` into an active scalar, as a
    /// sum with four independent partial sums and rows taken once (the forward half of
    /// `vjp`'s accumulation loops, see `vjp/accumulate.rs`); `None` for any other loop.
    fn reduction(
        &mut self,
        pat: &syn::Pat,
        iter: &syn::Expr,
        vars: &[VarId],
        body: &Block,
        span: proc_macro2::Span,
    ) -> Option<TokenStream> {
        let red = Reduction::of(self.ctx, pat, iter, vars, body)?;
        if !self.ctx.activity.is_active(red.acc) || self.ctx.program.var(red.acc).kind != Kind::Real
        {
            return None;
        }
        let lets: Vec<TokenStream> = red
            .lets
            .stmts
            .iter()
            .map(|s| match s {
                Stmt::Let { vars, init, span } => self.let_stmt(vars, init, *span),
                _ => quote!(),
            })
            .collect();
        let v = primal(self.ctx, &red.value);
        let term = quote!(#(#lets)* #v);
        if leaves_early(&term) {
            return None;
        }
        let (it, ne) = (self.ctx.temp("it"), self.ctx.temp("nonempty"));
        let sum = unrolled_sum(quote!(#it.start), quote!(#it.end), &red.k, &term);
        let rows = red.rows.iter().map(|(r, base, _)| {
            quote_spanned!(span=> let #r: &[_] = if #ne { &(#base)[..#it.end] } else { &[] };)
        });
        let vectors: Vec<syn::Ident> = red.vectors.iter().map(|v| ident(self.ctx, *v)).collect();
        let acc = ident(self.ctx, red.acc);
        let op = red.op;
        if let Some((row, v)) = red.dot_form(self.ctx) {
            let math = rt::math();
            return Some(quote_spanned!(span=> {
                let #it = #iter;
                let #ne: bool = #it.start < #it.end;
                #(#rows)*
                if #ne { #acc #op #math::dot_data(&#row[#it.clone()], &#v[#it.clone()]); }
            }));
        }
        Some(quote_spanned!(span=> {
            let #it = #iter;
            let #ne: bool = #it.start < #it.end;
            #(#rows)*
            if #ne { #( assert!(#it.end <= #vectors.len()); )* }
            #acc #op #sum;
        }))
    }

    fn stmt(&mut self, s: &Stmt) -> TokenStream {
        let scalar = rt::scalar();
        match s {
            Stmt::Let { vars, init, span } => self.let_stmt(vars, init, *span),
            Stmt::Declare { var, span } => {
                let id = ident(self.ctx, *var);
                let v = self.ctx.program.var(*var);
                if self.ctx.activity.is_active(*var) && v.kind == Kind::Real {
                    quote_spanned!(*span=> let mut #id: S;)
                } else {
                    quote_spanned!(*span=> let mut #id;)
                }
            }
            Stmt::Assign {
                place,
                op,
                value,
                span,
            } => {
                let var = place.var();
                let active = self.ctx.activity.is_active(var);
                let id = ident(self.ctx, var);
                let target = match place {
                    Place::Var(_) => quote!(#id),
                    Place::Element(_, i) => quote!(#id[#i]),
                };
                let op = op.as_ref().map_or(quote!(=), |o| quote!(#o));
                if let (Some((_, vid)), Place::Element(_, i)) =
                    (self.journal.iter().find(|(v, _)| *v == var), place)
                {
                    let v = primal(self.ctx, value);
                    return quote_spanned!(*span=> {
                        let __ji: usize = (#i) as usize;
                        __stacks.counts.push(__ji);
                        __stacks.counts.push(#vid);
                        __stacks.values.push(#id[__ji]);
                        __nj += 1;
                        let __v = #v;
                        #id[__ji] #op __v;
                    });
                }
                if active {
                    let v = primal(self.ctx, value);
                    match place {
                        // The value first: it may read the vector (`v[i] += v[i - 1]`), which
                        // `IndexMut` on a generic scalar would already have borrowed.
                        Place::Element(..) => {
                            quote_spanned!(*span=> { let __v = #v; #target #op __v; })
                        }
                        Place::Var(_) => quote_spanned!(*span=> #target #op #v;),
                    }
                } else {
                    quote_spanned!(*span=> #target #op #value;)
                }
            }
            Stmt::Sample { var, site, span } => self.sample(*var, *site, *span),
            Stmt::Observe {
                name,
                dist,
                value,
                span,
            } => self.observe(name, dist, value, *span),
            Stmt::Factor { value, span } => {
                let v = primal(self.ctx, value);
                let root = rt::root();
                quote_spanned!(*span=> {
                    let __term: S = #v;
                    #root::check_term("factor", <S as #scalar>::value(__term))?;
                    __lp += __term;
                })
            }
            Stmt::Deterministic { name, value, span } => {
                if self.flavor != Flavor::Density {
                    return quote!();
                }
                let v = primal(self.ctx, value);
                quote_spanned!(*span=> if let Some(__r) = __rec.as_deref_mut() {
                    __r.deterministic(#name, <S as #scalar>::value(#v));
                })
            }
            Stmt::For {
                pat,
                iter,
                body,
                span,
                vars,
            } => {
                let recorded = self
                    .recorded_loops
                    .iter()
                    .find(|l| std::ptr::eq(l.stmt, s))
                    .cloned();
                if let Some(RecordedLoop {
                    carried, finals, ..
                }) = recorded
                {
                    let body = self.block(body);
                    if self.recorded_loops.len() > 1 {
                        return quote_spanned!(*span=>
                            for #pat in #iter { #(__stacks.values.push(#carried);)* #body }
                            #(let #finals: S = #carried;)*
                        );
                    }
                    // The only recorded loop of the body: its checkpoints and then its final
                    // values (pushed at the end of the body, see `VjpGen::recording_primal`)
                    // go into slots appended before it, so no call in or after the loop
                    // keeps its carried values out of registers.
                    let root = rt::root();
                    let k = carried.len();
                    let (it, slot) = (self.ctx.temp("it"), self.ctx.temp("slot"));
                    return quote_spanned!(*span=>
                        let #it = #iter;
                        let mut #slot: usize =
                            __stacks.append_values(#k * #root::trip_count(&#it) + #k);
                        for #pat in #it {
                            #(__stacks.set_value(#slot, #carried); #slot += 1;)*
                            #body
                        }
                        #(let #finals: S = #carried;)*
                        #(__stacks.set_value(#slot, #finals); #slot += 1;)*
                    );
                }
                if let Some(code) = self.reduction(pat, iter, vars, body, *span) {
                    return code;
                }
                let body = self.block(body);
                quote_spanned!(*span=> for #pat in #iter #body)
            }
            Stmt::While { cond, body, span } => {
                let c = values_only(self.ctx, cond);
                let body = self.block(body);
                quote_spanned!(*span=> while #c #body)
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                span,
            } => {
                let c = values_only(self.ctx, cond);
                let t = self.block(then);
                match otherwise {
                    Some(o) => {
                        let o = self.block(o);
                        quote_spanned!(*span=> if #c #t else #o)
                    }
                    None => quote_spanned!(*span=> if #c #t),
                }
            }
            Stmt::Match {
                scrutinee,
                arms,
                span,
            } => {
                let arms: Vec<TokenStream> = arms
                    .iter()
                    .map(|(p, b)| {
                        let b = self.block(b);
                        quote!(#p => #b)
                    })
                    .collect();
                quote_spanned!(*span=> match #scrutinee { #(#arms)* })
            }
            Stmt::Block(b) => self.block(b),
            Stmt::Push { var, value, span } => {
                let id = ident(self.ctx, *var);
                if let Some((_, vid)) = self.journal.iter().find(|(v, _)| v == var) {
                    let v = primal(self.ctx, value);
                    return quote_spanned!(*span=> {
                        __stacks.counts.push(usize::MAX);
                        __stacks.counts.push(#vid);
                        __nj += 1;
                        #id.push(#v);
                    });
                }
                if self.ctx.activity.is_active(*var) {
                    let v = primal(self.ctx, value);
                    quote_spanned!(*span=> #id.push(#v);)
                } else {
                    quote_spanned!(*span=> #id.push(#value);)
                }
            }
            Stmt::Break(span) => quote_spanned!(*span=> break;),
            Stmt::Continue(span) => quote_spanned!(*span=> continue;),
            Stmt::Expr(e) => quote!(#e;),
        }
    }

    fn let_stmt(
        &mut self,
        vars: &[VarId],
        init: &syn::Expr,
        span: proc_macro2::Span,
    ) -> TokenStream {
        if vars.len() > 1 {
            let ids: Vec<syn::Ident> = vars.iter().map(|v| ident(self.ctx, *v)).collect();
            let muts: Vec<TokenStream> = vars
                .iter()
                .map(|v| {
                    if self.ctx.program.var(*v).mutable {
                        quote!(mut)
                    } else {
                        quote!()
                    }
                })
                .collect();
            let any_active = vars.iter().any(|v| self.ctx.activity.is_active(*v));
            if !any_active {
                return quote_spanned!(span=> let (#(#muts #ids),*) = #init;);
            }
            let syn::Expr::Tuple(t) = strip(init) else {
                self.ctx.diag.error_at(init, "destructure a tuple expression `(a, b)` here (tuples returned by functions come with `#[differentiable]` helpers)");
                return quote!();
            };
            let parts: Vec<TokenStream> = vars
                .iter()
                .zip(&t.elems)
                .map(|(v, e)| {
                    if self.ctx.activity.is_active(*v) {
                        primal(self.ctx, e)
                    } else {
                        quote!(#e)
                    }
                })
                .collect();
            return quote_spanned!(span=> let (#(#muts #ids),*) = (#(#parts),*););
        }
        let var = vars[0];
        let id = ident(self.ctx, var);
        let v = self.ctx.program.var(var).clone();
        let mutability = if v.mutable { quote!(mut) } else { quote!() };
        if !self.ctx.activity.is_active(var) {
            return quote_spanned!(span=> let #mutability #id = #init;);
        }
        match v.kind {
            Kind::Real => {
                let e = primal(self.ctx, init);
                quote_spanned!(span=> let #mutability #id: S = #e;)
            }
            Kind::Reals => self.vector_init(&id, init, span),
            _ => {
                self.ctx
                    .diag
                    .error_at(init, "unsupported value for a parameter-dependent variable");
                quote!()
            }
        }
    }

    fn vector_init(
        &mut self,
        id: &syn::Ident,
        init: &syn::Expr,
        span: proc_macro2::Span,
    ) -> TokenStream {
        let scalar = rt::scalar();
        let zero = quote!(<S as #scalar>::zero());
        match strip(init) {
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                let parsed = m.mac.parse_body_with(|input: syn::parse::ParseStream| {
                    let first: syn::Expr = input.parse()?;
                    if input.peek(syn::Token![;]) {
                        let _: syn::Token![;] = input.parse()?;
                        Ok((vec![first], Some(input.parse::<syn::Expr>()?)))
                    } else {
                        let mut items = vec![first];
                        while input.peek(syn::Token![,]) {
                            let _: syn::Token![,] = input.parse()?;
                            if input.is_empty() {
                                break;
                            }
                            items.push(input.parse()?);
                        }
                        Ok((items, None))
                    }
                });
                match parsed {
                    Ok((items, Some(n))) => {
                        let fill = primal(self.ctx, &items[0]);
                        let take = self.take(id, quote!((#n) as usize), fill);
                        quote_spanned!(span=> let mut #id: Vec<S> = #take;)
                    }
                    Ok((items, None)) => {
                        let vals: Vec<TokenStream> =
                            items.iter().map(|e| primal(self.ctx, e)).collect();
                        let take = self.take(id, quote!(0), zero);
                        quote_spanned!(span=> let mut #id: Vec<S> = #take; #(#id.push(#vals);)*)
                    }
                    Err(e) => {
                        self.ctx.diag.push(e);
                        quote!()
                    }
                }
            }
            syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity")) =>
            {
                let n = c.args.first().cloned();
                let take = self.take(id, quote!(0), zero);
                quote_spanned!(span=> let mut #id: Vec<S> = #take; #id.reserve((#n) as usize);)
            }
            syn::Expr::Call(c) if super::helper_call::is_vector_helper_call(init).is_some() => {
                // A helper returning a vector (`let v: Vec<f64> = f(...)`).
                let call = super::helper_call::primal_vector_call(self.ctx, c);
                quote_spanned!(span=> let mut #id: Vec<S> = #call;)
            }
            _ => {
                self.ctx.diag.error_at(init, "start a parameter-dependent vector with `vec![0.0; n]`, `vec![a, b, ...]` or `Vec::with_capacity(n)`, then write its elements");
                quote!()
            }
        }
    }

    fn sample(&mut self, var: VarId, site_index: usize, span: proc_macro2::Span) -> TokenStream {
        let site = self.ctx.program.sites[site_index].clone();
        let id = ident(self.ctx, var);
        let name = &site.name;
        let tr = rt::transforms();
        let dist = rt::dist();
        let scalar = rt::scalar();
        let root = rt::root();
        if super::vector_sites::family(&site.dist).is_some() {
            return self.family_site(&site, &id, span);
        }
        if is_vector_dist(&site.dist) {
            return self.vector_site(&site, &id, span);
        }
        let flat = is_flat(&site.dist);
        let (d, support) = if flat {
            let (sup, _) = flat_support(self.ctx, &site.dist);
            (quote!(()), sup)
        } else {
            let d = scalar_dist(self.ctx, &site.dist);
            (d, quote!(#dist::ContinuousDistribution::support(&__d)))
        };
        let prior_one = |v: TokenStream| {
            if flat {
                quote!(<S as #scalar>::zero())
            } else {
                quote!(#dist::ContinuousDistribution::lpdf(&__d, #v))
            }
        };
        let draw_prior = if flat {
            let err = rt::error();
            quote!(return Err(#err::ImproperPrior { support: format!("{:?}", __sup) }))
        } else {
            quote!(#root::draw(&__d, __rng)?)
        };
        // How one unconstrained coordinate becomes the value, per flavour.
        let read = |k: TokenStream| match self.flavor {
            Flavor::Density => quote! {
                let (__y, __lj) = #tr::constrain_scalar(__sup, x[__off + #k])?;
                __lp += __lj;
                __y
            },
            Flavor::Unconstrain => quote! {
                let __y: f64 = __given(#name, #k)?;
                __x[__off + #k] = #tr::unconstrain_scalar(__sup, __y)?;
                __y
            },
            Flavor::Simulate => quote! {
                let __y: f64 = match __given_x {
                    Some(__gx) => {
                        let (__y, _) = #tr::constrain_scalar(__sup, __gx[__off + #k])?;
                        __y
                    }
                    None => #draw_prior,
                };
                __x[__off + #k] = #tr::unconstrain_scalar(__sup, __y)?;
                __y
            },
        };
        let record = match self.flavor {
            Flavor::Density => {
                quote!(if let Some(__r) = __rec.as_deref_mut() { __r.site(<S as #scalar>::value(__v)); })
            }
            _ => quote!(__trace.site(__v);),
        };
        match &site.dist.iid {
            None => {
                let read0 = read(quote!(0));
                let prior = prior_one(quote!(#id));
                quote_spanned!(span=>
                    let __d = #d;
                    let __sup = #support;
                    let #id: S = { #read0 };
                    __off += 1;
                    {
                        let __term: S = #prior;
                        #root::check_term(#name, <S as #scalar>::value(__term))?;
                        __lp += __term;
                        let __v = #id;
                        #record
                    }
                )
            }
            Some(n) => {
                // The density flavour looks the transform up once for the whole vector.
                let fill = if self.flavor == Flavor::Density {
                    quote! {
                        let __tf = #tr::scalar_transform(__sup)?;
                        __lp += #tr::ScalarSupportTransform::constrain_slice(&__tf, &x[__off..__off + __n], &mut #id[..]);
                    }
                } else {
                    let readk = read(quote!(__k));
                    quote! {
                        for __k in 0..__n {
                            #id[__k] = { #readk };
                        }
                    }
                };
                let take = self.take(&id, quote!(__n), quote!(<S as #scalar>::zero()));
                let prior = if flat {
                    quote!(<S as #scalar>::zero())
                } else {
                    quote!(#dist::Iid { dist: __d, n: __n }.lpdf(&#id[..])?)
                };
                quote_spanned!(span=>
                    let __n: usize = (#n) as usize;
                    let __d = #d;
                    let __sup = #support;
                    let mut #id: Vec<S> = #take;
                    #fill
                    __off += __n;
                    {
                        let __term: S = #prior;
                        #root::check_term(#name, <S as #scalar>::value(__term))?;
                        __lp += __term;
                        for &__v in #id.iter() { #record }
                    }
                )
            }
        }
    }

    /// A site whose value is a vector (`Flat(Simplex(k))`, ordered, Cholesky factors):
    /// one vector transform of `unconstrained_len` coordinates, no prior term.
    fn vector_site(
        &mut self,
        site: &crate::ir::Site,
        id: &syn::Ident,
        span: proc_macro2::Span,
    ) -> TokenStream {
        let tr = rt::transforms();
        let scalar = rt::scalar();
        let err = rt::error();
        let name = &site.name;
        let (sup, _) = flat_support(self.ctx, &site.dist);
        let take = self.take(id, quote!(__cl), quote!(<S as #scalar>::zero()));
        let fill = match self.flavor {
            Flavor::Density => quote! {
                __lp += #tr::constrain_vector(__sup, &x[__off..__off + __ul], &mut #id[..])?;
            },
            Flavor::Unconstrain => quote! {
                let (_, __v) = __values.iter().find(|(__n, _)| *__n == #name).ok_or_else(|| #err::MissingParameter(#name.to_string()))?;
                #tr::unconstrain_vector(__sup, __v, &mut __x[__off..__off + __ul])?;
                #id.copy_from_slice(__v);
            },
            Flavor::Simulate => quote! {
                match __given_x {
                    Some(__gx) => {
                        #tr::constrain_vector(__sup, &__gx[__off..__off + __ul], &mut #id[..])?;
                        __x[__off..__off + __ul].copy_from_slice(&__gx[__off..__off + __ul]);
                    }
                    None => return Err(#err::ImproperPrior { support: format!("{:?}", __sup) }),
                }
            },
        };
        let record = match self.flavor {
            Flavor::Density => {
                quote!(if let Some(__r) = __rec.as_deref_mut() { for &__v in #id.iter() { __r.site(<S as #scalar>::value(__v)); } })
            }
            _ => quote!(for &__v in #id.iter() { __trace.site(__v); }),
        };
        quote_spanned!(span=>
            let __sup: #tr::Support<S> = #sup;
            let __ul: usize = __sup.unconstrained_len();
            let __cl: usize = __sup.constrained_len();
            let mut #id: Vec<S> = #take;
            #fill
            __off += __ul;
            #record
        )
    }

    /// A site of a vector-valued distribution (`Dirichlet`, `MultiNormal`, `LkjCholesky`):
    /// its arguments lifted, its support's vector transform (identity for `MultiNormal`),
    /// the prior's log density and the log-Jacobian (see `vector_sites`).
    fn family_site(
        &mut self,
        site: &crate::ir::Site,
        id: &syn::Ident,
        span: proc_macro2::Span,
    ) -> TokenStream {
        use super::vector_sites::{classify, data_len, family, lift_fill, Family, VecArg};
        let Some(fam) = family(&site.dist) else {
            return quote!();
        };
        let tr = rt::transforms();
        let scalar = rt::scalar();
        let dist = rt::dist();
        let root = rt::root();
        let err = rt::error();
        let zero = quote!(<S as #scalar>::zero());
        let name = &site.name;
        let args = &site.dist.args;
        let mut lifts = Vec::new();
        let mut slices = Vec::new();
        for &k in fam.vector_args() {
            match classify(self.ctx, &args[k]) {
                VecArg::Site(v) => slices.push(quote!(&#v[..])),
                VecArg::Data(e) => {
                    let buf = self.ctx.temp("va");
                    let len = data_len(self.ctx, &e);
                    let take = self.take(&buf, len, zero.clone());
                    let fill = lift_fill(self.ctx, &e, &buf);
                    lifts.push(quote!(let mut #buf: Vec<S> = #take; #fill));
                    slices.push(quote!(&#buf[..]));
                }
            }
        }
        let real = fam == Family::MultiNormal;
        let (d, sup) = match super::vector_sites::slice_site_dist(fam, &slices) {
            Some(pair) => pair,
            None => {
                // LkjCholesky(k, eta).
                let k = &args[0];
                let eta = primal(self.ctx, &args[1]);
                (
                    quote!(#dist::LkjCholesky((#k) as usize, #eta)),
                    quote!(#tr::Support::CorrCholesky((#k) as usize)),
                )
            }
        };
        let lens = if real {
            let (m, l) = (&slices[0], &slices[1]);
            let n = quote!((#m).len());
            let (ul, cl) = (quote::format_ident!("__ul"), quote::format_ident!("__cl"));
            super::vector_sites::multi_normal_lens(&name, &n, l, &ul, &cl)
        } else {
            quote! {
                let __ul: usize = __sup.unconstrained_len();
                let __cl: usize = __sup.constrained_len();
            }
        };
        let take = self.take(id, quote!(__cl), zero.clone());
        let mut scratch_decl = quote!();
        let prior = if real {
            let scratch = self.ctx.temp("scratch");
            let take_s = self.take(&scratch, quote!(__cl), zero.clone());
            scratch_decl = quote!(let mut #scratch: Vec<S> = #take_s;);
            quote!(#d.lpdf_in(&#id[..], &mut #scratch[..]))
        } else {
            quote!(#d.lpdf(&#id[..]))
        };
        let fill = match self.flavor {
            Flavor::Density => {
                let constrain = if real {
                    quote!(#id.copy_from_slice(&x[__off..__off + __ul]);)
                } else {
                    quote!(__lp += #tr::constrain_vector(__sup, &x[__off..__off + __ul], &mut #id[..])?;)
                };
                quote! {
                    #constrain
                    let __term: S = #prior;
                    #root::check_term(#name, <S as #scalar>::value(__term))?;
                    __lp += __term;
                }
            }
            Flavor::Unconstrain => {
                let unc = if real {
                    quote! {
                        #root::check_len(#name, __ul, __v.len())?;
                        for (__xk, &__vk) in __x[__off..__off + __ul].iter_mut().zip(__v.iter()) {
                            *__xk = #tr::unconstrain_scalar(#tr::Support::Real, __vk)?;
                        }
                    }
                } else {
                    quote!(#tr::unconstrain_vector(__sup, __v, &mut __x[__off..__off + __ul])?;)
                };
                quote! {
                    let (_, __v) = __values.iter().find(|(__n, _)| *__n == #name).ok_or_else(|| #err::MissingParameter(#name.to_string()))?;
                    #unc
                    #id.copy_from_slice(__v);
                }
            }
            Flavor::Simulate => {
                let (from_x, to_x) = if real {
                    (
                        quote!(#id.copy_from_slice(&__gx[__off..__off + __ul]);),
                        quote!(__x[__off..__off + __ul].copy_from_slice(&#id[..]);),
                    )
                } else {
                    (
                        quote!(#tr::constrain_vector(__sup, &__gx[__off..__off + __ul], &mut #id[..])?;),
                        quote!(#tr::unconstrain_vector(__sup, &#id[..], &mut __x[__off..__off + __ul])?;),
                    )
                };
                quote! {
                    match __given_x {
                        Some(__gx) => {
                            #from_x
                            __x[__off..__off + __ul].copy_from_slice(&__gx[__off..__off + __ul]);
                        }
                        None => {
                            let __draw: Vec<f64> = #root::draw(&#d, __rng)?;
                            #root::check_len(#name, __cl, __draw.len())?;
                            #id.copy_from_slice(&__draw);
                            #to_x
                        }
                    }
                }
            }
        };
        let record = match self.flavor {
            Flavor::Density => {
                quote!(if let Some(__r) = __rec.as_deref_mut() { for &__v in #id.iter() { __r.site(<S as #scalar>::value(__v)); } })
            }
            _ => quote!(for &__v in #id.iter() { __trace.site(__v); }),
        };
        quote_spanned!(span=>
            #(#lifts)*
            let __sup: #tr::Support<S> = #sup;
            #lens
            let mut #id: Vec<S> = #take;
            #scratch_decl
            #fill
            __off += __ul;
            #record
        )
    }

    fn observe(
        &mut self,
        name: &str,
        d: &crate::ir::DistCall,
        value: &syn::Expr,
        span: proc_macro2::Span,
    ) -> TokenStream {
        let dist = rt::dist();
        let scalar = rt::scalar();
        let root = rt::root();
        if super::vector_sites::observe_family(d).is_some() {
            return self.family_observe(name, d, value, span);
        }
        if is_flat(d) || is_vector_dist(d) {
            self.ctx.diag.error(d.span, "observe a scalar distribution (Normal, Poisson, ...), optionally vectorised over a slice");
            return quote!();
        }
        let discrete = is_discrete(d);
        let vector = is_vector_value(self.ctx, value) || d.iid.is_some();
        let len_check = d.iid.as_ref().map(|n| {
            quote!(#root::check_len(concat!("observe(\"", #name, "\") .iid"), (#n) as usize, (#value).len())?;)
        });
        if self.flavor == Flavor::Simulate {
            return self.simulate_observe(name, d, value, vector, discrete, span);
        }
        let term = match (vector, discrete) {
            (false, false) => {
                let dd = scalar_dist(self.ctx, d);
                let y = primal(self.ctx, value);
                quote!(#dist::ContinuousDistribution::lpdf(&#dd, #y))
            }
            (false, true) => {
                let dd = scalar_dist(self.ctx, d);
                quote!(#dist::DiscreteDistribution::lpmf(&#dd, (#value) as i64))
            }
            (true, false) => {
                let dd = broadcast_dist(self.ctx, d);
                let y = super::sites::broadcast_arg(self.ctx, value);
                quote!(#dist::lpdf_sum(&#dd, #y)?)
            }
            (true, true) => {
                let dd = broadcast_dist(self.ctx, d);
                quote!(#dist::lpmf_sum(&#dd, &(#value)[..])?)
            }
        };
        quote_spanned!(span=> {
            #len_check
            let __term: S = #term;
            #root::check_term(#name, <S as #scalar>::value(__term))?;
            __lp += __term;
        }
        )
    }

    /// `observe` of a distribution with vector arguments or values (see
    /// `vector_sites::observe_pieces`); the simulation flavour draws the observation.
    fn family_observe(
        &mut self,
        name: &str,
        d: &crate::ir::DistCall,
        value: &syn::Expr,
        span: proc_macro2::Span,
    ) -> TokenStream {
        let scalar = rt::scalar();
        let root = rt::root();
        let term_id = self.ctx.temp("term");
        let Some(p) = super::vector_sites::observe_pieces(self.ctx, name, d, value, &term_id)
        else {
            return quote!();
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
        let (fill, term) = (&p.fill, &p.term);
        if self.flavor == Flavor::Simulate {
            let draw = &p.draw;
            return quote_spanned!(span=> #(#takes)* #fill { #draw });
        }
        // The buffers live in the enclosing scope, which returns them to the workspace.
        quote_spanned!(span=>
            #(#takes)*
            #fill
            {
            let __term: S = #term;
            #root::check_term(#name, <S as #scalar>::value(__term))?;
            __lp += __term;
        })
    }

    fn simulate_observe(
        &mut self,
        name: &str,
        d: &crate::ir::DistCall,
        value: &syn::Expr,
        vector: bool,
        discrete: bool,
        span: proc_macro2::Span,
    ) -> TokenStream {
        let dist = rt::dist();
        let root = rt::root();
        let conv = if discrete { quote!(as f64) } else { quote!() };
        if vector {
            let dd = broadcast_dist(self.ctx, d);
            quote_spanned!(span=> {
                let __bd = #dd;
                let __n = #dist::Broadcast::<S>::broadcast_len(&__bd, #name, Some((#value).len()))?;
                let mut __obs = Vec::with_capacity(__n);
                for __i in 0..__n {
                    let __e = #dist::Broadcast::<S>::element(&__bd, __i);
                    __obs.push(#root::draw(&__e, __rng)? #conv);
                }
                __trace.observation(#name, __obs);
            })
        } else {
            let dd = scalar_dist(self.ctx, d);
            quote_spanned!(span=> {
                let __e = #dd;
                let __o = #root::draw(&__e, __rng)? #conv;
                __trace.observation(#name, vec![__o]);
            })
        }
    }
}
