//! `#[differentiable]` helpers and `#[custom_derivative]` primitives.
//!
//! Both turn `fn f(..) -> R` into a primitive with the rule convention of `ppl-core`,
//! which a model reaches through `::ppl::__private::rule(&f)` (see
//! [`crate::codegen::helper_call`]):
//!
//! ```text
//! pub const f: __ppl_helper_f = __ppl_helper_f;   // callable: derefs to `fn(..) -> R`
//! pub struct __ppl_helper_f;                       // hidden
//! impl Helper for __ppl_helper_f { .. }            // "has a derivative rule"
//! impl __ppl_helper_f {
//!     fn __ppl_value<S: Scalar>(self, args.., stacks, base) -> S        // or Vec<S>
//!     fn __ppl_vjp<S: Scalar>(self, args.., y, y_bar, sinks.., stacks, base)
//! }
//! fn __ppl_plain_f(..) -> R { the user's body }    // what `f(..)` runs on f64
//! ```
//!
//! For `#[differentiable]` the value and reverse rules are the model pipeline run on the
//! helper body, its real arguments (`f64`, `&[f64]`) taking the place of sample sites as
//! the active inputs: the value is the primal code (at `S = Dual`, the JVP); the reverse
//! rule runs the helper's forward sweep, adds `y_bar` to the adjoint of the result, runs
//! the reverse sweep and accumulates the adjoints of the arguments into the caller's sinks
//! (at `S = Dual`, second order). Early `return`s become a result variable and an exit
//! flag that guards the rest of the body (`while !done && cond`, `for .. { if !done {..} }`),
//! so only the control flow the compiler already differentiates is used.
//!
//! For `#[custom_derivative(partials = g)]` the value is the user's `f64` function and
//! `g(args.., y) -> (∂y/∂arg, ..)`, generic over `S`, gives the derivatives: the JVP is
//! `y + Σ ∂_i · (arg_i - value(arg_i))` (only tangents survive), the VJP
//! `arg_bar_i += y_bar · ∂_i` with `y` carrying its tangent, so `S = Dual` differentiates
//! the partials themselves (Hessian-vector products) without touching the solver.

use crate::analysis::activity;
use crate::codegen::expr::{bar_of, Ctx};
use crate::codegen::helper_call::slots_used;
use crate::codegen::primal::{ident, Flavor, PrimalGen};
use crate::codegen::vjp::{allow_attrs, VjpGen};
use crate::diagnostics::Diagnostics;
use crate::ir::lower::lower_model;
use crate::ir::{Kind, VarId};
use crate::parse::signature::{parse_signature, DataArg, DataType};
use crate::runtime_paths as rt;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;

const RET: &str = "__ppl_ret";
const DONE: &str = "__ppl_done";

/// What a helper returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Returns {
    Real,
    Reals,
}

/// The checked signature of a helper.
struct Signature {
    args: Vec<DataArg>,
    types: Vec<syn::Type>,
    returns: Returns,
}

fn is_ident_type(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

fn returns_of(ty: &syn::Type) -> Option<Returns> {
    if is_ident_type(ty, "f64") {
        return Some(Returns::Real);
    }
    let s = quote!(#ty).to_string().replace(' ', "");
    (s == "Vec<f64>").then_some(Returns::Reals)
}

/// Checks what the model pipeline cannot: receiver, generics, return type; then the
/// arguments (with the model's data-argument rules).
fn signature(func: &syn::ItemFn, what: &str, diag: &mut Diagnostics) -> Option<Signature> {
    let sig = &func.sig;
    let mut ok = true;
    if let Some(a) = &sig.asyncness {
        diag.error_at(a, format!("a {what} function cannot be `async`"));
        ok = false;
    }
    if let Some(u) = &sig.unsafety {
        diag.error_at(u, format!("a {what} function cannot be `unsafe`"));
        ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        diag.error_at(&sig.generics, format!("a {what} function cannot be generic: write its real arguments as `f64` or `&[f64]` (the macro makes it generic over the scalar type)"));
        ok = false;
    }
    let returns = match &sig.output {
        syn::ReturnType::Type(_, ty) => match returns_of(ty) {
            Some(r) => Some(r),
            None => {
                diag.error_at(ty, format!("a {what} function returns `f64` or `Vec<f64>`"));
                None
            }
        },
        syn::ReturnType::Default => {
            diag.error_at(
                &sig.ident,
                format!("a {what} function returns a value: add `-> f64` (or `-> Vec<f64>`)"),
            );
            None
        }
    };
    let mut types = Vec::new();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => {
                diag.error_at(
                    r,
                    format!("a {what} function is a free function: remove `self`"),
                );
                ok = false;
            }
            syn::FnArg::Typed(pt) => types.push((*pt.ty).clone()),
        }
    }
    let mut plain = sig.clone();
    plain.output = syn::ReturnType::Default;
    plain.generics = Default::default();
    plain.asyncness = None;
    plain.inputs = plain
        .inputs
        .into_iter()
        .filter(|a| matches!(a, syn::FnArg::Typed(_)))
        .collect();
    let before = diag.is_empty();
    let args = parse_signature(&plain, diag);
    if before && !diag.is_empty() {
        ok = false;
    }
    if !ok || args.len() != types.len() {
        return None;
    }
    Some(Signature {
        args,
        types,
        returns: returns?,
    })
}

/// Parts of the expansion shared by both macros: the callable constant, the hidden rule
/// type, its `Helper` impl and the plain `f64` function.
fn shell(func: &syn::ItemFn, sig: &Signature, methods: TokenStream) -> TokenStream {
    let vis = &func.vis;
    let name = &func.sig.ident;
    let ty = format_ident!("__ppl_helper_{}", name, span = name.span());
    let plain = format_ident!("__ppl_plain_{}", name, span = name.span());
    let root = rt::root();
    // Documentation goes on the constant users see; `cfg` on every item; anything else
    // (`#[inline]`, lints, ...) on the function that runs the body.
    let is = |a: &&syn::Attribute, n: &str| a.path().is_ident(n);
    let attrs = func
        .attrs
        .iter()
        .filter(|a| is(a, "doc") || is(a, "cfg") || is(a, "cfg_attr") || is(a, "deprecated"));
    let cfgs: Vec<&syn::Attribute> = func.attrs.iter().filter(|a| is(a, "cfg")).collect();
    let fn_attrs = func
        .attrs
        .iter()
        .filter(|a| !is(a, "doc") && !is(a, "deprecated"));
    let inputs = &func.sig.inputs;
    let output = &func.sig.output;
    let block = &func.block;
    let types = &sig.types;
    let ret = match &func.sig.output {
        syn::ReturnType::Type(_, t) => quote!(#t),
        syn::ReturnType::Default => quote!(()),
    };
    let allow = allow_attrs();
    quote! {
        #(#attrs)*
        #[allow(non_upper_case_globals)]
        #vis const #name: #ty = #ty;

        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #vis struct #ty;

        #[doc(hidden)]
        #(#fn_attrs)*
        fn #plain(#inputs) #output #block

        #(#cfgs)*
        impl ::core::ops::Deref for #ty {
            type Target = fn(#(#types),*) -> #ret;
            #[inline(always)]
            fn deref(&self) -> &Self::Target {
                const __F: fn(#(#types),*) -> #ret = #plain;
                &__F
            }
        }

        #(#cfgs)*
        impl #root::Helper for #ty {
            type Rule = #ty;
            const RULE: #ty = #ty;
        }

        #(#cfgs)*
        #allow
        impl #ty {
            #methods
        }
    }
}

/// Reports calls of the model's site functions inside a helper body.
fn check_body(block: &syn::Block, what: &str, diag: &mut Diagnostics) {
    struct V<'d> {
        diag: &'d mut Diagnostics,
        what: String,
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Some(name) = crate::ir::lower::path_name(&c.func) {
                if matches!(
                    name.as_str(),
                    "sample" | "observe" | "factor" | "deterministic"
                ) {
                    self.diag.error_at(c, format!("`{name}` cannot be used in a {} function: a helper computes a value from its arguments; declare parameters and observations in the `#[model]` and pass their values to the helper", self.what));
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            self.diag.error_at(c, format!("closures are not supported in a {} function: write the computation inline, or as another `#[differentiable]` function", self.what));
        }
    }
    V {
        diag,
        what: what.to_string(),
    }
    .visit_block(block);
}

fn contains_return(s: &syn::Stmt) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(false);
    v.visit_stmt(s);
    v.0
}

/// The first `return` expression of a block.
fn first_return(b: &syn::Block) -> Option<syn::ExprReturn> {
    struct V(Option<syn::ExprReturn>);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if self.0.is_none() {
                self.0 = Some(r.clone());
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(None);
    v.visit_block(b);
    v.0
}

fn block_of(stmts: Vec<syn::Stmt>) -> syn::Block {
    syn::Block {
        brace_token: Default::default(),
        stmts,
    }
}

/// Rewrites the early `return`s of a statement list (see the module documentation).
fn rewrite_stmts(stmts: &[syn::Stmt], diag: &mut Diagnostics) -> Vec<syn::Stmt> {
    let ret = syn::Ident::new(RET, Span::call_site());
    let done = syn::Ident::new(DONE, Span::call_site());
    let mut out = Vec::new();
    for (k, s) in stmts.iter().enumerate() {
        if !contains_return(s) {
            out.push(s.clone());
            continue;
        }
        let (rewritten, direct) = rewrite_stmt(s, diag);
        out.push(rewritten);
        if !direct {
            let rest = rewrite_stmts(&stmts[k + 1..], diag);
            if !rest.is_empty() {
                let rest = block_of(rest);
                out.push(syn::parse_quote!(if !#done #rest));
            }
        }
        let _ = &ret;
        return out;
    }
    out
}

/// One statement containing a `return`; `true` when it is the `return` itself.
fn rewrite_stmt(s: &syn::Stmt, diag: &mut Diagnostics) -> (syn::Stmt, bool) {
    match s {
        syn::Stmt::Expr(e, semi) => {
            let (e, direct) = rewrite_expr(e, diag);
            (
                syn::Stmt::Expr(e, semi.or(Some(Default::default()))),
                direct,
            )
        }
        other => {
            diag.error_at(other, "`return` is supported as a statement of its own (possibly inside `if`, `match`, loops and blocks), not inside a `let`: assign the value to a variable and `return` it");
            (other.clone(), false)
        }
    }
}

fn rewrite_block(b: &syn::Block, diag: &mut Diagnostics) -> syn::Block {
    block_of(rewrite_stmts(&b.stmts, diag))
}

fn rewrite_expr(e: &syn::Expr, diag: &mut Diagnostics) -> (syn::Expr, bool) {
    let ret = syn::Ident::new(RET, Span::call_site());
    let done = syn::Ident::new(DONE, Span::call_site());
    match e {
        syn::Expr::Return(r) => match &r.expr {
            Some(v) => (
                syn::parse_quote_spanned!(r.span()=> { #ret = #v; #done = true; }),
                true,
            ),
            None => {
                diag.error_at(r, "a helper returns a value: `return x;`");
                (e.clone(), true)
            }
        },
        syn::Expr::If(i) => {
            let mut i = i.clone();
            i.then_branch = rewrite_block(&i.then_branch, diag);
            if let Some((_, other)) = &mut i.else_branch {
                let (o, _) = rewrite_expr(other, diag);
                **other = o;
            }
            (syn::Expr::If(i), false)
        }
        syn::Expr::Block(b) => {
            let mut b = b.clone();
            b.block = rewrite_block(&b.block, diag);
            (syn::Expr::Block(b), false)
        }
        syn::Expr::While(w) => {
            let mut w = w.clone();
            w.body = rewrite_block(&w.body, diag);
            let c = &w.cond;
            w.cond = Box::new(syn::parse_quote_spanned!(c.span()=> !#done && (#c)));
            (syn::Expr::While(w), false)
        }
        syn::Expr::ForLoop(f) => {
            let mut f = f.clone();
            let body = rewrite_block(&f.body, diag);
            f.body = syn::parse_quote!({ if !#done #body });
            (syn::Expr::ForLoop(f), false)
        }
        syn::Expr::Match(m) => {
            let mut m = m.clone();
            for arm in &mut m.arms {
                let body = match &*arm.body {
                    syn::Expr::Block(b) => rewrite_block(&b.block, diag),
                    other => {
                        let stmt = syn::Stmt::Expr(other.clone(), Some(Default::default()));
                        block_of(rewrite_stmts(&[stmt], diag))
                    }
                };
                *arm.body = syn::parse_quote!(#body);
                arm.comma = Some(Default::default());
            }
            (syn::Expr::Match(m), false)
        }
        other => {
            diag.error_at(other, "`return` is supported as a statement of its own (possibly inside `if`, `match`, loops and blocks), not inside an expression");
            (other.clone(), false)
        }
    }
}

/// The helper body as a model-language block: the tail assigned to the result variable,
/// early returns rewritten. Returns the block and, for vector helpers, the name of the
/// returned local.
fn structured_body(
    func: &syn::ItemFn,
    returns: Returns,
    diag: &mut Diagnostics,
) -> (syn::Block, Option<syn::Ident>) {
    let ret = syn::Ident::new(RET, Span::call_site());
    let done = syn::Ident::new(DONE, Span::call_site());
    let mut stmts = func.block.stmts.clone();
    let tail = match stmts.last() {
        Some(syn::Stmt::Expr(e, None))
            if !matches!(e, syn::Expr::ForLoop(_) | syn::Expr::While(_)) =>
        {
            let e = e.clone();
            stmts.pop();
            Some(e)
        }
        _ => None,
    };
    if returns == Returns::Reals {
        if let Some(r) = first_return(&func.block) {
            diag.error_at(&r, "early `return` is supported in helpers returning `f64`; end a helper returning `Vec<f64>` with the vector as its last expression");
        }
        let Some(tail) = tail else {
            diag.error_at(&func.sig.output, "end a helper returning `Vec<f64>` with the vector it returns (its name, or `vec![...]`) as the last expression, without `;`");
            return (block_of(stmts), None);
        };
        if let syn::Expr::Path(p) = &tail {
            if let Some(i) = p.path.get_ident() {
                return (block_of(stmts), Some(i.clone()));
            }
        }
        stmts.push(syn::parse_quote_spanned!(tail.span()=> let #ret: Vec<f64> = #tail;));
        return (block_of(stmts), Some(ret));
    }
    if let Some(tail) = tail {
        if contains_return(&syn::Stmt::Expr(tail.clone(), None)) {
            diag.error_at(&tail, "`return` inside the final expression is not supported: end the branches with their values, or `return` from each");
        } else if matches!(
            tail,
            syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Block(_)
        ) {
            let t = syn::Ident::new("__ppl_tail", Span::call_site());
            stmts.push(syn::parse_quote_spanned!(tail.span()=> let #t: f64 = #tail;));
            stmts.push(syn::parse_quote_spanned!(tail.span()=> #ret = #t;));
        } else {
            stmts.push(syn::parse_quote_spanned!(tail.span()=> #ret = #tail;));
        }
    }
    let mut body: Vec<syn::Stmt> = vec![
        syn::parse_quote!(let mut #ret: f64 = 0.0;),
        syn::parse_quote!(let mut #done: bool = false;),
    ];
    body.extend(rewrite_stmts(&stmts, diag));
    (block_of(body), Some(ret))
}

/// The real arguments of a signature: their variables and whether each is a vector.
fn real_args(args: &[DataArg]) -> Vec<(VarId, bool)> {
    args.iter()
        .enumerate()
        .filter_map(|(i, a)| match a.ty {
            DataType::Real => Some((VarId(i), false)),
            DataType::Reals => Some((VarId(i), true)),
            _ => None,
        })
        .collect()
}

/// Expands `#[differentiable] fn ...`.
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    if !attr.is_empty() {
        diag.error_at(&attr, "`#[differentiable]` takes no options");
    }
    let func: syn::ItemFn = match syn::parse2(item) {
        Ok(f) => f,
        Err(e) => return e.into_compile_error(),
    };
    let what = "`#[differentiable]`";
    let sig = signature(&func, what, &mut diag);
    check_body(&func.block, what, &mut diag);
    let Some(sig) = sig else {
        return fail(&func, diag);
    };
    if !diag.is_empty() {
        return fail_body(&func, &sig, diag);
    }
    let (block, ret_name) = structured_body(&func, sig.returns, &mut diag);
    if !diag.is_empty() {
        return fail_body(&func, &sig, diag);
    }
    let program = lower_model(&sig.args, &block, &mut diag);
    let inputs = real_args(&sig.args);
    let seeds: Vec<VarId> = inputs.iter().map(|(v, _)| *v).collect();
    let act = activity::analyse_helper(&program, &seeds, &mut diag);
    if !diag.is_empty() {
        return fail_body(&func, &sig, diag);
    }
    // The result variable: the last top-level variable of that name.
    let ret_var = ret_name.and_then(|n| {
        (0..program.vars.len())
            .rev()
            .map(VarId)
            .find(|v| program.var(*v).name == n)
    });
    let Some(ret_var) = ret_var else {
        diag.error_at(
            &func.sig.ident,
            "cannot find the value this helper returns: end it with the returned value",
        );
        return fail_body(&func, &sig, diag);
    };
    if sig.returns == Returns::Reals && program.var(ret_var).kind != Kind::Reals {
        diag.error_at(
            &func.sig.output,
            "the last expression must be the vector this helper returns",
        );
        return fail_body(&func, &sig, diag);
    }
    let mut ctx = Ctx {
        program: &program,
        activity: &act,
        diag: &mut diag,
        fresh: 0,
    };
    let scalar = rt::scalar();
    let root = rt::root();
    let stacks = rt::stacks();
    let zero = quote!(<S as #scalar>::zero());
    let ret_id = ident(&ctx, ret_var);
    let ret_active = act.is_active(ret_var);

    // Parameters of the generated rules.
    let params: Vec<TokenStream> = sig
        .args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let id = ident(&ctx, VarId(i));
            let ty = &sig.types[i];
            match a.ty {
                DataType::Real => quote!(#id: S),
                DataType::Reals => quote!(#id: &[S]),
                _ => quote!(#id: #ty),
            }
        })
        .collect();

    // Value.
    let (value_stmts, value_back) = {
        let mut g = PrimalGen::new(&mut ctx, Flavor::Density);
        g.top(&program.body)
    };
    let (out_ty, out_expr) = match (sig.returns, ret_active) {
        (Returns::Real, true) => (quote!(S), quote!(#ret_id)),
        (Returns::Real, false) => (
            quote!(S),
            quote!(<S as #scalar>::cst(#root::ToF64::to_f64(#ret_id))),
        ),
        (Returns::Reals, true) => (quote!(::std::vec::Vec<S>), quote!(#ret_id.to_vec())),
        (Returns::Reals, false) => (
            quote!(::std::vec::Vec<S>),
            quote!(#ret_id.iter().map(|__v| <S as #scalar>::cst(#root::ToF64::to_f64(__v))).collect()),
        ),
    };
    let hb_value = slots_used(&quote!(#value_stmts #value_back));
    let prologue = |hb: usize| {
        quote! {
            let mut __hs = #root::OffsetStacks::new(__stacks_in, __base);
            let __stacks = &mut __hs;
            let __helper_base: usize = #hb;
            let mut __lp: S = #zero;
            let __lp_bar: S = #zero;
            let mut __off: usize = 0;
            let mut __rec: ::std::option::Option<&mut #root::Trace> = None;
        }
    };
    let value_prologue = prologue(hb_value);

    // Reverse rule.
    // The result and its adjoint, through the traits whose messages say how to bind a
    // result of the other shape.
    let (y_ty, ybar_ty, ybar_bind) = match sig.returns {
        Returns::Real => {
            let t = rt::scalar_adjoint();
            (
                quote!(impl #t<S>),
                quote!(impl #t<S>),
                quote!(let __y_bar: S = #t::scalar(__y_bar);),
            )
        }
        Returns::Reals => {
            let t = rt::vector_adjoint();
            (
                quote!(impl #t<S>),
                quote!(impl #t<S>),
                quote!(let __y_bar_in = __y_bar; let __y_bar: &[S] = #t::elements(&__y_bar_in);),
            )
        }
    };
    let seed = match (sig.returns, ret_active) {
        (Returns::Real, true) => {
            let b = bar_of(&ret_id);
            quote!(#b += __y_bar;)
        }
        (Returns::Reals, true) => {
            let b = bar_of(&ret_id);
            quote!(for (__b, __yb) in #b.iter_mut().zip(__y_bar.iter()) { *__b += *__yb; })
        }
        _ => quote!(),
    };
    let vjp_body = {
        let mut g = VjpGen::new(&mut ctx, 0);
        g.function_body_seeded(&program.body, seed)
    };
    let hb_vjp = slots_used(&vjp_body);
    let vjp_prologue = prologue(hb_vjp);
    let mut sinks = Vec::new();
    let mut sink_init = Vec::new();
    let mut sink_out = Vec::new();
    // One sink per argument (so the caller need not know which are real): the adjoint of
    // a real, a vector adjoint, or `Discard` for the others.
    let sink_trait = rt::scalar_sink();
    let discard = rt::discard();
    for (k, a) in sig.args.iter().enumerate() {
        let id = ident(&ctx, VarId(k));
        let b = bar_of(&id);
        match a.ty {
            DataType::Reals => sinks.push(quote!(mut #b: #root::SliceBar<'_, S>)),
            DataType::Real => {
                let s = format_ident!("__sink{}", k);
                sinks.push(quote!(#s: impl #sink_trait<S>));
                sink_init.push(quote!(let mut #b: S = #zero;));
                sink_out.push(quote!(#sink_trait::add(#s, #b);));
            }
            _ => sinks.push(quote!(_: #discard)),
        }
    }
    let _ = &inputs;
    let methods = quote! {
        /// The value rule, generic over the scalar type (at `Dual`, the JVP).
        #[inline]
        pub fn __ppl_value<S: #scalar>(self, #(#params,)* __stacks_in: &mut #stacks<S>, __base: usize) -> #out_ty {
            #value_prologue
            #value_stmts
            let __out: #out_ty = #out_expr;
            #value_back
            __out
        }

        /// The reverse rule: adds `y_bar` times the derivative of the result with respect
        /// to each real argument into its sink.
        #[inline]
        pub fn __ppl_vjp<S: #scalar>(self, #(#params,)* __y: #y_ty, __y_bar: #ybar_ty, #(#sinks,)* __stacks_in: &mut #stacks<S>, __base: usize) {
            #vjp_prologue
            #ybar_bind
            #(#sink_init)*
            #vjp_body
            #(#sink_out)*
        }
    };
    if !diag.is_empty() {
        return fail(&func, diag);
    }
    let out = shell(&func, &sig, methods);
    if let Ok(dir) = std::env::var("PPL_DUMP_DIR") {
        let path = std::path::Path::new(&dir).join(format!("helper_{}.rs", func.sig.ident));
        let _ = std::fs::write(path, out.to_string());
    }
    out
}

/// The errors, plus the function unchanged so its uses add no unrelated errors.
fn fail(func: &syn::ItemFn, diag: Diagnostics) -> TokenStream {
    let errors = match diag.finish() {
        Err(e) => e.into_compile_error(),
        Ok(()) => quote!(),
    };
    quote! {
        #errors
        #[allow(dead_code)]
        #func
    }
}

/// The errors of a helper whose signature is fine but whose body is not, plus its shell
/// with rules that never run: calls from models type-check, so the user sees only the
/// real errors.
fn fail_body(func: &syn::ItemFn, sig: &Signature, diag: Diagnostics) -> TokenStream {
    let errors = match diag.finish() {
        Err(e) => e.into_compile_error(),
        Ok(()) => quote!(),
    };
    let scalar = rt::scalar();
    let stacks = rt::stacks();
    let root = rt::root();
    let mut params = Vec::new();
    let mut sinks = Vec::new();
    for (a, ty) in sig.args.iter().zip(&sig.types) {
        match a.ty {
            DataType::Real => {
                let t = rt::scalar_sink();
                params.push(quote!(_: S));
                sinks.push(quote!(_: impl #t<S>));
            }
            DataType::Reals => {
                params.push(quote!(_: &[S]));
                sinks.push(quote!(_: #root::SliceBar<'_, S>));
            }
            _ => {
                let d = rt::discard();
                params.push(quote!(_: #ty));
                sinks.push(quote!(_: #d));
            }
        }
    }
    let (out, adj) = match sig.returns {
        Returns::Real => (quote!(S), rt::scalar_adjoint()),
        Returns::Reals => (quote!(::std::vec::Vec<S>), rt::vector_adjoint()),
    };
    let methods = quote! {
        /// Not generated: the helper did not compile.
        pub fn __ppl_value<S: #scalar>(self, #(#params,)* _: &mut #stacks<S>, _: usize) -> #out {
            unreachable!("the helper did not compile")
        }
        /// Not generated: the helper did not compile.
        pub fn __ppl_vjp<S: #scalar>(self, #(#params,)* _: impl #adj<S>, _: impl #adj<S>, #(#sinks,)* _: &mut #stacks<S>, _: usize) {
            unreachable!("the helper did not compile")
        }
    };
    let shell = shell(func, sig, methods);
    quote!(#errors #shell)
}

/// `partials = path` of `#[custom_derivative(...)]`.
fn partials_option(attr: TokenStream) -> syn::Result<syn::Path> {
    let span = attr.span();
    let parsed: syn::Result<syn::MetaNameValue> = syn::parse2(attr.clone());
    let usage = "`#[custom_derivative]` needs the derivative rule: write `#[custom_derivative(partials = f_partials)]` with `fn f_partials<S: Scalar>(x1: S, .., y: S) -> (S, ..)` returning the partial derivative of the result `y` with respect to each argument";
    match parsed {
        Ok(nv) if nv.path.is_ident("partials") => match nv.value {
            syn::Expr::Path(p) => Ok(p.path),
            other => Err(syn::Error::new_spanned(
                other,
                "`partials = ` names a function, e.g. `partials = kepler_partials`",
            )),
        },
        _ if attr.is_empty() => Err(syn::Error::new(Span::call_site(), usage)),
        _ => Err(syn::Error::new(span, usage)),
    }
}

/// Expands `#[custom_derivative(partials = g)] fn f(...) -> f64`.
pub fn custom_derivative(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    let func: syn::ItemFn = match syn::parse2(item) {
        Ok(f) => f,
        Err(e) => return e.into_compile_error(),
    };
    let partials = match partials_option(attr) {
        Ok(p) => Some(p),
        Err(e) => {
            diag.push(e);
            None
        }
    };
    let what = "`#[custom_derivative]`";
    let sig = signature(&func, what, &mut diag);
    if let Some(s) = &sig {
        if s.returns != Returns::Real {
            diag.error_at(
                &func.sig.output,
                "a `#[custom_derivative]` function returns `f64`",
            );
        }
        for (a, ty) in s.args.iter().zip(&s.types) {
            if a.ty != DataType::Real {
                diag.error_at(ty, "the arguments of a `#[custom_derivative]` function are `f64` (its partials give one derivative per argument); pass data through a `#[differentiable]` helper that calls it");
            }
        }
        if s.args.is_empty() {
            diag.error_at(
                &func.sig,
                "a `#[custom_derivative]` function takes at least one `f64` argument",
            );
        }
    }
    let (Some(sig), Some(partials)) = (sig, partials) else {
        return fail(&func, diag);
    };
    if !diag.is_empty() {
        return fail(&func, diag);
    }
    let scalar = rt::scalar();
    let stacks = rt::stacks();
    let plain = format_ident!(
        "__ppl_plain_{}",
        func.sig.ident,
        span = func.sig.ident.span()
    );
    let n = sig.args.len();
    let names: Vec<syn::Ident> = sig.args.iter().map(|a| a.name.clone()).collect();
    let ps: Vec<syn::Ident> = (0..n).map(|k| format_ident!("__p{}", k)).collect();
    let sinks: Vec<syn::Ident> = (0..n).map(|k| format_ident!("__sink{}", k)).collect();
    let pspan = partials.span();
    let pat = if n == 1 {
        let p = &ps[0];
        quote!(#p)
    } else {
        quote!((#(#ps),*))
    };
    let f64s = names.iter().map(|_| quote!(f64));
    let f64s_out = if n == 1 {
        quote!(f64)
    } else {
        let t = names.iter().map(|_| quote!(f64));
        quote!((#(#t),*))
    };
    let sr = rt::scalar_adjoint();
    let sink_trait = rt::scalar_sink();
    let methods = quote! {
        /// The value on `f64`, plus the tangent from the partials (the JVP at `Dual`).
        #[inline]
        pub fn __ppl_value<S: #scalar>(self, #(#names: S,)* __stacks_in: &mut #stacks<S>, __base: usize) -> S {
            let __y: S = <S as #scalar>::cst(#plain(#(<S as #scalar>::value(#names)),*));
            let #pat = #partials(#(#names,)* __y);
            __y #(+ #ps * (#names - <S as #scalar>::cst(<S as #scalar>::value(#names))))*
        }

        /// The reverse rule from the partials (second order at `Dual`).
        #[inline]
        pub fn __ppl_vjp<S: #scalar>(self, #(#names: S,)* __y: impl #sr<S>, __y_bar: impl #sr<S>, #(#sinks: impl #sink_trait<S>,)* __stacks_in: &mut #stacks<S>, __base: usize) {
            let (__y, __y_bar): (S, S) = (#sr::scalar(__y), #sr::scalar(__y_bar));
            let #pat = #partials(#(#names,)* __y);
            #(#sink_trait::add(#sinks, __y_bar * #ps);)*
        }
    };
    let check = quote_spanned! {pspan=>
        const _: () = {
            let _: fn(#(#f64s,)* f64) -> #f64s_out = #partials;
        };
    };
    let out = shell(&func, &sig, methods);
    quote!(#out #check)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn structured(src: &str) -> (String, Result<(), String>) {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        let mut d = Diagnostics::new();
        let (b, _) = structured_body(&f, Returns::Real, &mut d);
        let text = quote!(#b)
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (text, d.finish().map_err(|e| e.to_string()))
    }

    #[test]
    fn early_returns_become_a_result_variable_and_a_guard() {
        let (text, r) = structured(
            "fn f(x: f64, n: usize) -> f64 { let mut a = 0.0; for k in 0..n { if x < 1.0 { return a; } a += x; } while a > 0.0 { a -= 1.0; } a * 2.0 }",
        );
        assert!(r.is_ok(), "{r:?}");
        // The loop body is guarded, the `return` assigns and raises the flag, the rest of
        // the body runs only when nothing returned, and the tail is the last assignment.
        assert!(text.contains("for k in 0 .. n { if ! __ppl_done { if x < 1.0 { { __ppl_ret = a ; __ppl_done = true ; } ; } ; if ! __ppl_done { a += x ; } } }"), "{text}");
        assert!(text.contains("if ! __ppl_done { while a > 0.0"), "{text}");
        assert!(text.contains("__ppl_ret = a * 2.0 ; }"), "{text}");
    }

    #[test]
    fn while_loops_that_return_test_the_flag() {
        let (text, r) = structured(
            "fn f(x: f64) -> f64 { let mut y = x; while y > 1.0 { y = y * 0.5; if y < 2.0 { return y; } } y }",
        );
        assert!(r.is_ok(), "{r:?}");
        assert!(text.contains("while ! __ppl_done && (y > 1.0)"), "{text}");
    }

    #[test]
    fn returns_inside_expressions_are_errors() {
        let (_, r) =
            structured("fn f(x: f64) -> f64 { let y = if x > 0.0 { return x; } else { 1.0 }; y }");
        assert!(r.unwrap_err().contains("not inside a `let`"));
        let (_, r) = structured("fn f(x: f64) -> f64 { x + return 1.0 }");
        assert!(r.is_err());
    }
}
