//! Calls of `#[differentiable]` helpers and `#[custom_derivative]` primitives on active
//! values: a call `f(args)` of a function with no built-in rule is compiled like a call
//! of a ppl primitive, through the rules the helper's own macro generated:
//!
//! * value: `::ppl::__private::rule(&f).__ppl_value::<S>(args.., stacks, base)`;
//! * reverse: `::ppl::__private::rule(&f).__ppl_vjp::<S>(args.., y, y_bar, sinks.., stacks, base)`,
//!   accumulating the adjoint of every real argument into its sink (`&mut S` for a scalar,
//!   `SliceBar(&mut [S])` for a vector, `Discard` for an argument without an adjoint: one
//!   sink per argument, so a real the model takes for an integer still type-checks).
//!
//! `rule(&f)` requires `f: ppl::__private::Helper`, which only the helper macros
//! implement; for any other function the compiler reports, at the call, "`f` has no
//! derivative rule: mark it `#[differentiable]` or give it a `#[custom_derivative]`".
//!
//! Arguments are classified at the call: real scalars (active: their value and adjoint;
//! data: lifted with `S::cst`), real vectors (parameter or local vectors by name: borrowed
//! with their adjoint; data slices: copied into a lifted scratch buffer with a discarded
//! adjoint buffer), and everything else (integers, booleans, integer slices, data rows),
//! passed unchanged. Scratch buffers come from the caller's workspace at slots from
//! `__helper_base` on (past every slot the caller uses), so nothing allocates after warm-up.

use super::expr::{bar_of, lift, primal, strip, Ctx};
use crate::ir::Kind;
use crate::runtime_paths as rt;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Expr;

/// How one argument of a helper call is passed.
enum Arg {
    /// A parameter-dependent real.
    ActiveScalar(Expr),
    /// A data real (lifted).
    DataScalar(Expr),
    /// A parameter-dependent vector, by name.
    ActiveVector(syn::Ident),
    /// A data vector (lifted into a scratch buffer).
    DataVector(Expr),
    /// Integers, booleans, integer slices, data rows: passed as written.
    Other(Expr),
    /// A parameter-dependent vector that is not a variable (a sub-slice, a literal).
    Unsupported(Expr),
}

/// What an argument expression is, from its shape and the kinds of the variables it names.
fn classify(ctx: &Ctx, e: &Expr) -> Arg {
    let inner = match strip(e) {
        Expr::Reference(r) => strip(&r.expr),
        other => other,
    };
    let inner = match inner {
        Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(r) if r.start.is_none() && r.end.is_none()) => {
            strip(&ix.expr)
        }
        other => other,
    };
    let active = ctx.is_active(inner);
    if let Some(kind) = ctx.var_kind(inner) {
        return match (kind, active) {
            (Kind::Reals, true) => match inner {
                Expr::Path(p) => match p.path.get_ident() {
                    Some(i) => Arg::ActiveVector(i.clone()),
                    None => Arg::Other(e.clone()),
                },
                _ => Arg::Other(e.clone()),
            },
            (Kind::Reals, false) => Arg::DataVector(inner.clone()),
            (Kind::Real, true) => Arg::ActiveScalar(e.clone()),
            (Kind::Real, false) => Arg::DataScalar(e.clone()),
            _ => Arg::Other(e.clone()),
        };
    }
    if active {
        if matches!(strip(e), Expr::Reference(_))
            || matches!(inner, Expr::Index(ix) if matches!(strip(&ix.index), Expr::Range(_)))
            || matches!(inner, Expr::Macro(_))
        {
            return Arg::Unsupported(e.clone());
        }
        return Arg::ActiveScalar(e.clone());
    }
    if is_real_valued(ctx, e) {
        Arg::DataScalar(e.clone())
    } else if is_row(ctx, inner) {
        Arg::DataVector(inner.clone())
    } else {
        Arg::Other(e.clone())
    }
}

/// `x[i]` of a data matrix `x` (rows of reals).
fn is_row(ctx: &Ctx, e: &Expr) -> bool {
    matches!(e, Expr::Index(ix) if ctx.var_kind(&ix.expr) == Some(Kind::Rows))
}

/// `true` when a passive expression is a real number (not an integer, boolean or slice).
fn is_real_valued(ctx: &Ctx, e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Float(_) => true,
            syn::Lit::Int(i) => i.suffix() == "f64",
            _ => false,
        },
        Expr::Path(_) => !matches!(
            ctx.var_kind(e),
            Some(Kind::Discrete | Kind::Ints | Kind::Rows | Kind::Reals)
        ),
        Expr::Cast(c) => matches!(&*c.ty, syn::Type::Path(p) if p.path.is_ident("f64")),
        Expr::Index(ix) => ctx.var_kind(&ix.expr) == Some(Kind::Reals),
        Expr::Unary(u) => !matches!(u.op, syn::UnOp::Not(_)) && is_real_valued(ctx, &u.expr),
        Expr::Binary(b) => {
            use syn::BinOp::*;
            match b.op {
                Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_) => false,
                _ => is_real_valued(ctx, &b.left) || is_real_valued(ctx, &b.right),
            }
        }
        Expr::MethodCall(m) => !matches!(
            m.method.to_string().as_str(),
            "len" | "count" | "is_empty" | "is_nan" | "is_finite"
        ),
        Expr::Call(_) => true,
        _ => false,
    }
}

/// Code to reach the callee's rules: `::ppl::__private::rule(&f)`.
fn rules(c: &syn::ExprCall) -> TokenStream {
    let span = c.func.span();
    let rule = rt::rule_at(span);
    let f = &c.func;
    quote_spanned!(span=> #rule(&#f))
}

/// Scratch-slot prologue shared by value and reverse calls: `__hb` is the absolute base.
fn slot_base() -> TokenStream {
    let root = rt::root();
    quote!(let __hb: usize = #root::SlotSpace::<S>::absolute(&*__stacks, __helper_base);)
}

fn inner_stacks() -> TokenStream {
    let root = rt::root();
    quote!(#root::SlotSpace::<S>::inner(__stacks))
}

/// Value code of a call whose real arguments are given by `scalar_arg` (active ones) —
/// an expression of type `S` (or `Vec<S>` for a vector helper).
fn value_call(
    ctx: &mut Ctx,
    c: &syn::ExprCall,
    args: &[Arg],
    mut scalar_arg: impl FnMut(&mut Ctx, usize, &Expr) -> TokenStream,
) -> TokenStream {
    let root = rt::root();
    let stacks = inner_stacks();
    let mut lifts = Vec::new();
    let mut backs = Vec::new();
    let mut passed = Vec::new();
    let mut nvec = 0usize;
    let mut pre = Vec::new();
    for (k, a) in args.iter().enumerate() {
        passed.push(match a {
            Arg::ActiveScalar(e) => {
                // Evaluated before any scratch buffer is taken (it may call helpers too).
                let v = scalar_arg(ctx, k, e);
                let t = format_ident!("__arg{}", k);
                pre.push(quote!(let #t: S = #v;));
                quote!(#t)
            }
            Arg::DataScalar(e) => lift(e),
            Arg::ActiveVector(i) => quote!(&#i[..]),
            Arg::DataVector(e) => {
                let l = format_ident!("__lift{}", k);
                let slot = 2 * nvec;
                nvec += 1;
                lifts.push(
                    quote!(let #l: Vec<S> = #root::lift_slice(#stacks, __hb + #slot, &(#e)[..]);),
                );
                backs.push(quote!(#stacks.put_back(__hb + #slot, #l);));
                quote!(&#l[..])
            }
            Arg::Other(e) => other_arg(e),
            Arg::Unsupported(e) => quote!(#e),
        });
    }
    let base = slot_base();
    let r = rules(c);
    let callee = 2 * nvec;
    let span = c.span();
    quote_spanned!(span=> {
        #(#pre)*
        #base
        #(#lifts)*
        let __r = #r.__ppl_value::<S>(#(#passed,)* #stacks, __hb + #callee);
        #(#backs)*
        __r
    })
}

/// A passive argument of a type the model does not know, converted to the parameter's
/// type (`f64` and `&f64` to `S`, integers, booleans and slices unchanged).
fn other_arg(e: &Expr) -> TokenStream {
    let t = rt::into_arg();
    quote_spanned!(e.span()=> #t::into_arg(#e))
}

/// The arguments of a call, classified.
fn args_of(ctx: &mut Ctx, c: &syn::ExprCall) -> Vec<Arg> {
    let args: Vec<Arg> = c.args.iter().map(|a| classify(ctx, a)).collect();
    for a in &args {
        if let Arg::Unsupported(e) = a {
            ctx.diag.error_at(e, "pass a parameter-dependent vector to a helper by name (`&theta`, `&v`): sub-slices and vector expressions are not supported; pass the whole vector with an offset and a length");
        }
    }
    args
}

/// Primal code of a helper call with a real result (the JVP when `S = Dual`).
pub fn primal_call(ctx: &mut Ctx, c: &syn::ExprCall) -> TokenStream {
    let args = args_of(ctx, c);
    let v = value_call(ctx, c, &args, |ctx, _, e| primal(ctx, e));
    as_scalar(c, v)
}

/// Primal code of a helper call with a vector result (`Vec<S>`).
pub fn primal_vector_call(ctx: &mut Ctx, c: &syn::ExprCall) -> TokenStream {
    let args = args_of(ctx, c);
    let v = value_call(ctx, c, &args, |ctx, _, e| primal(ctx, e));
    as_vector(c, v)
}

/// `value` checked to be a vector (a helper returning a real, bound as `Vec<f64>`, is an
/// error saying how to bind it).
fn as_vector(c: &syn::ExprCall, value: TokenStream) -> TokenStream {
    let span = c.func.span();
    let f = rt::vector_result_at(span);
    quote_spanned!(span=> #f::<S, _>(#value))
}

/// `value` checked to be a real (a helper returning a vector, bound without its type,
/// is an error saying how to bind it).
fn as_scalar(c: &syn::ExprCall, value: TokenStream) -> TokenStream {
    let span = c.func.span();
    let f = rt::scalar_result_at(span);
    quote_spanned!(span=> #f::<S, _>(#value))
}

/// Where the result of a linearised call goes.
pub enum Result<'a> {
    /// A real: its temporary and adjoint.
    Scalar(&'a syn::Ident, &'a syn::Ident),
    /// A vector: the local vector and its adjoint vector (declared by the caller).
    Vector(&'a syn::Ident, &'a syn::Ident),
}

/// Linearised helper call: forward statements defining the result, and (in forward order,
/// reversed by the caller) the reverse statement calling the helper's reverse rule. Active
/// scalar arguments are linearised with `node`.
pub fn linear_call(
    ctx: &mut Ctx,
    c: &syn::ExprCall,
    result: Result,
    fwd: &mut Vec<TokenStream>,
    rev: &mut Vec<TokenStream>,
    mut node: impl FnMut(
        &mut Ctx,
        &Expr,
        &syn::Ident,
        &syn::Ident,
        &mut Vec<TokenStream>,
        &mut Vec<TokenStream>,
    ),
) {
    let scalar = rt::scalar();
    let root = rt::root();
    let zero = quote!(<S as #scalar>::zero());
    let stacks = inner_stacks();
    let args = args_of(ctx, c);
    let span = c.span();
    // Active scalar arguments: temporaries and adjoints.
    let mut temps: Vec<Option<(syn::Ident, syn::Ident)>> = Vec::new();
    for a in &args {
        if let Arg::ActiveScalar(e) = a {
            let (t, tb) = (ctx.temp("t"), ctx.temp("b"));
            node(ctx, e, &t, &tb, fwd, rev);
            temps.push(Some((t, tb)));
        } else {
            temps.push(None);
        }
    }
    let value = value_call(ctx, c, &args, |_, k, _| {
        let t = &temps[k].as_ref().map(|p| p.0.clone());
        quote!(#t)
    });
    match result {
        Result::Scalar(out, _) => {
            let value = as_scalar(c, value);
            fwd.push(quote_spanned!(span=> let #out: S = #value;))
        }
        Result::Vector(out, _) => {
            let value = as_vector(c, value);
            fwd.push(quote_spanned!(span=> let mut #out: Vec<S> = #value;))
        }
    }
    // Reverse: the same arguments, sinks for every real one.
    let mut decls = Vec::new();
    let mut lifts = Vec::new();
    let mut backs = Vec::new();
    let mut passed = Vec::new();
    let mut sinks = Vec::new();
    let mut syncs = Vec::new();
    let mut nvec = 0usize;
    for (k, a) in args.iter().enumerate() {
        match a {
            Arg::ActiveScalar(_) => {
                let (t, tb) = temps[k].clone().expect("a temporary");
                decls.push(quote!(let mut #tb: S = #zero;));
                passed.push(quote!(#t));
                sinks.push(quote!(&mut #tb));
            }
            Arg::DataScalar(e) => {
                passed.push(lift(e));
                sinks.push(rt::discard());
            }
            Arg::ActiveVector(i) => {
                let b = bar_of(i);
                syncs.push(quote!(if #b.len() < #i.len() { #b.resize(#i.len(), #zero); }));
                passed.push(quote!(&#i[..]));
                sinks.push(quote!(#root::SliceBar(&mut #b[..])));
            }
            Arg::DataVector(e) => {
                let (l, lb) = (
                    format_ident!("__lift{}", k),
                    format_ident!("__liftbar{}", k),
                );
                let (s0, s1) = (2 * nvec, 2 * nvec + 1);
                nvec += 1;
                lifts.push(quote! {
                    let #l: Vec<S> = #root::lift_slice(#stacks, __hb + #s0, &(#e)[..]);
                    let mut #lb: Vec<S> = #stacks.take(__hb + #s1, #l.len(), #zero);
                });
                backs.push(
                    quote!(#stacks.put_back(__hb + #s1, #lb); #stacks.put_back(__hb + #s0, #l);),
                );
                passed.push(quote!(&#l[..]));
                sinks.push(quote!(#root::SliceBar(&mut #lb[..])));
            }
            Arg::Other(e) => {
                passed.push(other_arg(e));
                sinks.push(rt::discard());
            }
            Arg::Unsupported(e) => passed.push(quote!(#e)),
        }
    }
    // Braces spanned at the callee: a result of the wrong shape is reported at the call.
    let fs = c.func.span();
    let (y, ybar) = match result {
        Result::Scalar(out, out_bar) => (
            quote_spanned!(fs=> { #out }),
            quote_spanned!(fs=> { #out_bar }),
        ),
        Result::Vector(out, out_bar) => (
            quote_spanned!(fs=> { &#out[..] }),
            quote_spanned!(fs=> { &#out_bar[..] }),
        ),
    };
    let base = slot_base();
    let r = rules(c);
    let callee = 2 * nvec;
    rev.push(quote_spanned!(span=>
        #(#decls)*
        #(#syncs)*
        {
            #base
            #(#lifts)*
            #r.__ppl_vjp::<S>(#(#passed,)* #y, #ybar, #(#sinks,)* #stacks, __hb + #callee);
            #(#backs)*
        }
    ));
}

/// `true` for `let v: Vec<f64> = f(...)` initialisers that are helper calls (not
/// `Vec::with_capacity`).
pub fn is_vector_helper_call(e: &Expr) -> Option<&syn::ExprCall> {
    match strip(e) {
        Expr::Call(c) if !matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity")) => {
            Some(c)
        }
        _ => None,
    }
}

/// One past the largest literal scratch slot (`take(k, ..)`) used by generated code: the
/// first slot a helper called from it may use.
pub fn slots_used(code: &TokenStream) -> usize {
    fn walk(ts: TokenStream, max: &mut usize) {
        let toks: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            match t {
                proc_macro2::TokenTree::Ident(id) if id == "take" || id == "put_back" => {
                    if let Some(proc_macro2::TokenTree::Group(g)) = toks.get(i + 1) {
                        if let Some(proc_macro2::TokenTree::Literal(l)) =
                            g.stream().into_iter().next()
                        {
                            let s = l.to_string();
                            let digits: String =
                                s.chars().take_while(|c| c.is_ascii_digit()).collect();
                            if let Ok(n) = digits.parse::<usize>() {
                                *max = (*max).max(n + 1);
                            }
                        }
                    }
                }
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), max),
                _ => {}
            }
        }
    }
    let mut max = 0;
    walk(code.clone(), &mut max);
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_slots_start_past_every_literal_slot() {
        let code = quote! {
            let mut a = __stacks.take(0usize, n, z);
            { let b = __stacks.take(4usize, 0, z); __stacks.put_back(4usize, b); }
            let c = lift_slice(inner, __hb + 7, &d[..]);
            __stacks.put_back(0usize, a);
        };
        assert_eq!(slots_used(&code), 5);
        assert_eq!(slots_used(&quote!(let x = 1;)), 0);
    }
}
