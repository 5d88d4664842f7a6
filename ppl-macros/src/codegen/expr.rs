//! Code for active expressions: as one `S`-typed Rust expression (primal; the JVP when
//! `S = Dual`), or linearised into three-address code whose nodes each have a reverse
//! statement calling the primitive's `_vjp` rule (VJP).

use crate::analysis::activity::{var_of_ident, Activity};
use crate::diagnostics::Diagnostics;
use crate::ir::{Kind, Program};
use crate::runtime_paths as rt;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Expr;

/// Methods of a scalar with one argument (the receiver), mapped to `ScalarMath`.
pub const UNARY_METHODS: &[&str] = &[
    "exp", "ln", "log2", "log10", "sqrt", "cbrt", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "abs", "ln_1p", "exp_m1",
];
/// Methods of a scalar with one argument besides the receiver.
pub const BINARY_METHODS: &[&str] = &["powf", "atan2", "hypot", "min", "max"];
/// Free functions of `ppl_core::math` taking scalars (`f(args) -> S`, rule `f_vjp`).
pub const MATH_FUNCTIONS: &[(&str, usize)] = &[
    ("exp", 1),
    ("ln", 1),
    ("sqrt", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("tanh", 1),
    ("abs", 1),
    ("ln_1p", 1),
    ("exp_m1", 1),
    ("powf", 2),
    ("atan2", 2),
    ("hypot", 2),
    ("min", 2),
    ("max", 2),
    ("log_sum_exp", 2),
    ("log1p_exp", 1),
    ("log1m_exp", 1),
    ("log_diff_exp", 2),
    ("logit", 1),
    ("inv_logit", 1),
    ("log_inv_logit", 1),
    ("log1m_inv_logit", 1),
    ("lgamma", 1),
    ("digamma", 1),
    ("trigamma", 1),
    ("lbeta", 2),
    ("lchoose", 2),
    ("erf", 1),
    ("erfc", 1),
    ("std_normal_cdf", 1),
    ("std_normal_log_cdf", 1),
    ("inv_std_normal_cdf", 1),
];

/// Shared state of code generation for one model.
pub struct Ctx<'a> {
    /// The program.
    pub program: &'a Program,
    /// Its activity.
    pub activity: &'a Activity,
    /// Errors found while generating.
    pub diag: &'a mut Diagnostics,
    /// Counter for fresh temporaries.
    pub fresh: usize,
}

impl Ctx<'_> {
    /// A fresh hygienic temporary `__t{n}`.
    pub fn temp(&mut self, prefix: &str) -> syn::Ident {
        self.fresh += 1;
        format_ident!("__{}{}", prefix, self.fresh)
    }

    /// `true` when `e` reads an active variable.
    pub fn is_active(&self, e: &Expr) -> bool {
        self.activity.expr_is_active(e)
    }

    /// The kind of the variable an identifier expression names, if it is one.
    pub fn var_kind(&self, e: &Expr) -> Option<Kind> {
        match strip(e) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(var_of_ident)
                .map(|v| self.program.var(v).kind),
            _ => None,
        }
    }
}

/// Removes parentheses and invisible groups.
pub fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

/// `S::cst((e) as f64)`: a passive value lifted to the scalar type.
pub fn lift(e: &Expr) -> TokenStream {
    let scalar = rt::scalar();
    let root = rt::root();
    quote_spanned!(e.span()=> <S as #scalar>::cst(#root::ToF64::to_f64(#e)))
}

fn is_arith(op: &syn::BinOp) -> Option<&'static str> {
    match op {
        syn::BinOp::Add(_) => Some("add"),
        syn::BinOp::Sub(_) => Some("sub"),
        syn::BinOp::Mul(_) => Some("mul"),
        syn::BinOp::Div(_) => Some("div"),
        _ => None,
    }
}

fn math_path(name: &str) -> TokenStream {
    let ident = syn::Ident::new(name, Span::call_site());
    let base = name.strip_suffix("_vjp").unwrap_or(name);
    if base.ends_with("_lpdf") || base.ends_with("_lpmf") {
        let d = rt::dist();
        quote!(#d::#ident)
    } else {
        let m = rt::math();
        quote!(#m::#ident)
    }
}

fn no_rule(ctx: &mut Ctx, e: &impl quote::ToTokens, name: &str) {
    ctx.diag.error_at(
        e,
        if UNARY_METHODS.contains(&name) || BINARY_METHODS.contains(&name) || name == "powi" {
            format!("`{name}` is called with the wrong number of arguments here")
        } else if e.to_token_stream().to_string().starts_with(char::is_lowercase) && !name.contains("::") {
            format!(
                "`{name}` has no derivative rule: on parameters use arithmetic, the methods {} and powi, or ppl's math functions ({}), or a function marked `#[differentiable]` or `#[custom_derivative]`",
                UNARY_METHODS.iter().chain(BINARY_METHODS).copied().collect::<Vec<_>>().join(", "),
                MATH_FUNCTIONS.iter().map(|(n, _)| *n).filter(|n| !UNARY_METHODS.contains(n)).collect::<Vec<_>>().join(", ")
            )
        } else {
            format!("`{name}` has no derivative rule")
        },
    );
}

/// A vector argument of a slice function: the variable (when it is a parameter-dependent
/// vector, with its adjoint) or passive data.
enum VecArg {
    Active(syn::Ident),
    Data(Expr),
}

/// Functions of whole vectors: `(name, arity)` → the core rule name.
fn slice_function(name: &str, arity: usize) -> Option<&'static str> {
    match (name, arity) {
        ("log_sum_exp", 1) => Some("log_sum_exp_slice"),
        ("sum", 1) => Some("sum"),
        ("mean", 1) => Some("mean"),
        ("squared_norm", 1) => Some("squared_norm"),
        ("dot", 2) => Some("dot"),
        _ => None,
    }
}

fn vec_arg(ctx: &Ctx, e: &Expr) -> Option<VecArg> {
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
    if !ctx.is_active(inner) {
        return Some(VecArg::Data(inner.clone()));
    }
    match (inner, ctx.var_kind(inner)) {
        (Expr::Path(p), Some(Kind::Reals)) => p.path.get_ident().cloned().map(VecArg::Active),
        _ => None,
    }
}

/// Primal code of a slice-function call, or `None` when the call is not one.
fn slice_primal(ctx: &mut Ctx, c: &syn::ExprCall, name: &str) -> Option<TokenStream> {
    let rule = slice_function(name, c.args.len())?;
    let math = rt::math();
    let args: Vec<VecArg> = c
        .args
        .iter()
        .map(|a| vec_arg(ctx, a))
        .collect::<Option<_>>()?;
    let span = c.span();
    Some(match (rule, args.as_slice()) {
        ("dot", [VecArg::Active(a), VecArg::Active(b)]) => {
            quote_spanned!(span=> #math::dot(&#a[..], &#b[..]))
        }
        ("dot", [VecArg::Data(a), VecArg::Active(b)])
        | ("dot", [VecArg::Active(b), VecArg::Data(a)]) => {
            quote_spanned!(span=> #math::dot_data(&(#a)[..], &#b[..]))
        }
        (r, [VecArg::Active(a)]) => {
            let f = format_ident!("{}", r);
            quote_spanned!(span=> #math::#f(&#a[..]))
        }
        _ => return None,
    })
}

/// Linearised slice-function call (see [`node`]), or `false` when the call is not one.
fn slice_node(
    ctx: &mut Ctx,
    c: &syn::ExprCall,
    name: &str,
    out: &syn::Ident,
    out_bar: &syn::Ident,
    fwd: &mut Vec<TokenStream>,
    rev: &mut Vec<TokenStream>,
) -> bool {
    let Some(rule) = slice_function(name, c.args.len()) else {
        return false;
    };
    let Some(args) = c
        .args
        .iter()
        .map(|a| vec_arg(ctx, a))
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    let math = rt::math();
    let scalar = rt::scalar();
    let span = c.span();
    let sync = |v: &syn::Ident| {
        let b = bar_of(v);
        quote!(if #b.len() < #v.len() { #b.resize(#v.len(), <S as #scalar>::zero()); })
    };
    match (rule, args.as_slice()) {
        ("dot", [VecArg::Active(a), VecArg::Active(b)]) if a == b => {
            // dot(a, a) = squared_norm(a): one adjoint, borrowed once.
            let ab = bar_of(a);
            let sa = sync(a);
            fwd.push(quote_spanned!(span=> let #out: S = #math::squared_norm(&#a[..]);));
            rev.push(quote_spanned!(span=> #sa #math::squared_norm_vjp(&#a[..], #out, #out_bar, &mut #ab[..]);));
        }
        ("dot", [VecArg::Active(a), VecArg::Active(b)]) => {
            let (ab, bb) = (bar_of(a), bar_of(b));
            let (sa, sb) = (sync(a), sync(b));
            fwd.push(quote_spanned!(span=> let #out: S = #math::dot(&#a[..], &#b[..]);));
            rev.push(quote_spanned!(span=> #sa #sb #math::dot_vjp(&#a[..], &#b[..], #out, #out_bar, &mut #ab[..], &mut #bb[..]);));
        }
        ("dot", [VecArg::Data(d), VecArg::Active(b)])
        | ("dot", [VecArg::Active(b), VecArg::Data(d)]) => {
            let bb = bar_of(b);
            let sb = sync(b);
            fwd.push(quote_spanned!(span=> let #out: S = #math::dot_data(&(#d)[..], &#b[..]);));
            rev.push(quote_spanned!(span=> #sb #math::dot_data_vjp(&(#d)[..], &#b[..], #out, #out_bar, &mut #bb[..]);));
        }
        (r, [VecArg::Active(a)]) => {
            let (f, fv) = (format_ident!("{}", r), format_ident!("{}_vjp", r));
            let ab = bar_of(a);
            let sa = sync(a);
            fwd.push(quote_spanned!(span=> let #out: S = #math::#f(&#a[..]);));
            rev.push(quote_spanned!(span=> #sa #math::#fv(&#a[..], #out, #out_bar, &mut #ab[..]);));
        }
        _ => return false,
    }
    true
}

/// The primal code of a real-valued expression, of type `S`.
pub fn primal(ctx: &mut Ctx, e: &Expr) -> TokenStream {
    if !ctx.is_active(e) {
        return lift(e);
    }
    let span = e.span();
    let scalar = rt::scalar();
    let sm = rt::scalar_math();
    match strip(e) {
        Expr::Path(_) => quote_spanned!(span=> #e),
        Expr::Binary(b) if is_arith(&b.op).is_some() => {
            let (l, r) = (primal(ctx, &b.left), primal(ctx, &b.right));
            let op = &b.op;
            quote_spanned!(span=> (#l #op #r))
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            let x = primal(ctx, &u.expr);
            quote_spanned!(span=> (-#x))
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => primal(ctx, &u.expr),
        Expr::Cast(c) => primal(ctx, &c.expr),
        Expr::Index(ix) => {
            let base = &ix.expr;
            let index = &ix.index;
            quote_spanned!(span=> #base[#index])
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let recv = primal(ctx, &m.receiver);
            if UNARY_METHODS.contains(&name.as_str()) && m.args.is_empty() {
                let method = &m.method;
                quote_spanned!(span=> #sm::#method(#recv))
            } else if BINARY_METHODS.contains(&name.as_str()) && m.args.len() == 1 {
                let method = &m.method;
                let arg = primal(ctx, &m.args[0]);
                quote_spanned!(span=> #sm::#method(#recv, #arg))
            } else if name == "powi" && m.args.len() == 1 && !ctx.is_active(&m.args[0]) {
                let n = &m.args[0];
                quote_spanned!(span=> #scalar::powi(#recv, (#n) as i32))
            } else {
                no_rule(ctx, &m.method, &name);
                quote!(#recv)
            }
        }
        Expr::Call(c) => {
            let name = crate::ir::lower::path_name(&c.func).unwrap_or_default();
            if let Some(code) = slice_primal(ctx, c, &name) {
                return code;
            }
            match call_signature(&name, c.args.len()) {
                Some(sig) => {
                    let path = math_path(&name);
                    let args: Vec<TokenStream> = c
                        .args
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            if sig.integer_first && i == 0 {
                                quote!((#a) as i64)
                            } else {
                                primal(ctx, a)
                            }
                        })
                        .collect();
                    quote_spanned!(span=> #path(#(#args),*))
                }
                None => super::helper_call::primal_call(ctx, c),
            }
        }
        other => {
            ctx.diag.error_at(other, "this expression is not supported on parameter values: use arithmetic, the math functions of ppl (exp, ln, log_sum_exp, ...), indexing, or split it into `let` statements");
            quote!(<S as #scalar>::zero())
        }
    }
}

/// How a known function is called.
#[derive(Clone, Copy, Debug)]
pub struct CallSignature {
    /// The first argument is an integer count (discrete log masses).
    pub integer_first: bool,
}

/// The calling convention of a known function of `arity` arguments, if it has rules.
pub fn call_signature(name: &str, arity: usize) -> Option<CallSignature> {
    if name.ends_with("_lpmf") {
        return Some(CallSignature {
            integer_first: true,
        });
    }
    if name.ends_with("_lpdf") {
        return Some(CallSignature {
            integer_first: false,
        });
    }
    MATH_FUNCTIONS
        .iter()
        .any(|(n, a)| *n == name && *a == arity)
        .then_some(CallSignature {
            integer_first: false,
        })
}

/// A linearised expression: forward statements computing `value` in temporaries, and the
/// reverse statements (already in reverse order) propagating the adjoint `bar` of `value`
/// into the adjoints of the variables read.
pub struct Linear {
    /// Forward statements.
    pub forward: Vec<TokenStream>,
    /// Reverse statements, to run after everything that uses `value` has run its own.
    pub reverse: Vec<TokenStream>,
    /// The temporary holding the value.
    pub value: syn::Ident,
    /// The temporary the reverse statements read as the adjoint of `value` (the caller
    /// defines it before the reverse statements).
    pub bar: syn::Ident,
}

/// The adjoint identifier of a variable's unique identifier (`x__v3` → `x__v3__bar`).
pub fn bar_of(ident: &syn::Ident) -> syn::Ident {
    format_ident!("{}__bar", ident)
}

/// Linearises an expression (see [`Linear`]).
pub fn linearize(ctx: &mut Ctx, e: &Expr) -> Linear {
    let mut lin = Linear {
        forward: Vec::new(),
        reverse: Vec::new(),
        value: ctx.temp("t"),
        bar: format_ident!("x"),
    };
    lin.bar = bar_of(&lin.value);
    let value = lin.value.clone();
    let bar = lin.bar.clone();
    let mut rev_nodes: Vec<TokenStream> = Vec::new();
    node(ctx, e, &value, &bar, &mut lin.forward, &mut rev_nodes);
    rev_nodes.reverse();
    lin.reverse = rev_nodes;
    lin
}

/// `true` when [`linearize`] of `e` defines its value in its last forward statement, on
/// its own (so that statement can be replaced by a copy of a known value).
pub fn root_defined_last(ctx: &Ctx, e: &Expr) -> bool {
    if !ctx.is_active(e) {
        return true;
    }
    match strip(e) {
        Expr::Binary(b) => is_arith(&b.op).is_some(),
        Expr::Unary(u) => matches!(u.op, syn::UnOp::Neg(_)),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            (UNARY_METHODS.contains(&name.as_str()) && m.args.is_empty())
                || (BINARY_METHODS.contains(&name.as_str()) && m.args.len() == 1)
        }
        _ => false,
    }
}

/// Emits the forward statement defining `out` from `e`, and (in forward order, reversed
/// by the caller) the reverse statement consuming `out_bar`.
fn node(
    ctx: &mut Ctx,
    e: &Expr,
    out: &syn::Ident,
    out_bar: &syn::Ident,
    fwd: &mut Vec<TokenStream>,
    rev: &mut Vec<TokenStream>,
) {
    let span = e.span();
    let scalar = rt::scalar();
    if !ctx.is_active(e) {
        let v = lift(e);
        fwd.push(quote_spanned!(span=> let #out: S = #v;));
        return;
    }
    let ops = rt::ops();
    match strip(e) {
        Expr::Path(p) => {
            let ident = p
                .path
                .get_ident()
                .cloned()
                .unwrap_or_else(|| format_ident!("__unknown"));
            let vbar = bar_of(&ident);
            fwd.push(quote_spanned!(span=> let #out: S = #ident;));
            rev.push(quote_spanned!(span=> #vbar += #out_bar;));
        }
        Expr::Index(ix) => {
            let Expr::Path(p) = strip(&ix.expr) else {
                ctx.diag.error_at(
                    &ix.expr,
                    "index a parameter vector or a local vector directly: `theta[i]`",
                );
                return;
            };
            let ident = p
                .path
                .get_ident()
                .cloned()
                .unwrap_or_else(|| format_ident!("__unknown"));
            let vbar = bar_of(&ident);
            let index = &ix.index;
            let i = ctx.temp("i");
            fwd.push(quote_spanned!(span=> let #i: usize = #index; let #out: S = #ident[#i];));
            rev.push(quote_spanned!(span=> #vbar[#i] += #out_bar;));
        }
        Expr::Binary(b) if is_arith(&b.op).is_some() => {
            let (a, ab) = (ctx.temp("t"), ctx.temp("b"));
            let (c, cb) = (ctx.temp("t"), ctx.temp("b"));
            node(ctx, &b.left, &a, &ab, fwd, rev);
            node(ctx, &b.right, &c, &cb, fwd, rev);
            let op = &b.op;
            let rule = format_ident!("{}_vjp", is_arith(&b.op).unwrap_or("add"));
            fwd.push(quote_spanned!(span=> let #out: S = #a #op #c;));
            rev.push(quote_spanned!(span=> let (#ab, #cb) = #ops::#rule(#a, #c, #out, #out_bar);));
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            let (a, ab) = (ctx.temp("t"), ctx.temp("b"));
            node(ctx, &u.expr, &a, &ab, fwd, rev);
            fwd.push(quote_spanned!(span=> let #out: S = -#a;));
            rev.push(quote_spanned!(span=> let #ab: S = -#out_bar;));
        }
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            node(ctx, &u.expr, out, out_bar, fwd, rev)
        }
        Expr::Cast(c) => node(ctx, &c.expr, out, out_bar, fwd, rev),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let (a, ab) = (ctx.temp("t"), ctx.temp("b"));
            node(ctx, &m.receiver, &a, &ab, fwd, rev);
            let math = rt::math();
            if UNARY_METHODS.contains(&name.as_str()) && m.args.is_empty() {
                let (f, rule) = (&m.method, format_ident!("{}_vjp", m.method));
                fwd.push(quote_spanned!(span=> let #out: S = #math::#f(#a);));
                rev.push(quote_spanned!(span=> let #ab: S = #math::#rule(#a, #out, #out_bar);));
            } else if BINARY_METHODS.contains(&name.as_str()) && m.args.len() == 1 {
                let (c, cb) = (ctx.temp("t"), ctx.temp("b"));
                node(ctx, &m.args[0], &c, &cb, fwd, rev);
                let (f, rule) = (&m.method, format_ident!("{}_vjp", m.method));
                fwd.push(quote_spanned!(span=> let #out: S = #math::#f(#a, #c);));
                rev.push(
                    quote_spanned!(span=> let (#ab, #cb) = #math::#rule(#a, #c, #out, #out_bar);),
                );
            } else if name == "powi" && m.args.len() == 1 && !ctx.is_active(&m.args[0]) {
                let n = &m.args[0];
                let k = ctx.temp("n");
                fwd.push(quote_spanned!(span=> let #k: i32 = (#n) as i32; let #out: S = #scalar::powi(#a, #k);));
                rev.push(
                    quote_spanned!(span=> let #ab: S = #ops::powi_vjp(#a, #k, #out, #out_bar);),
                );
            } else {
                no_rule(ctx, &m.method, &name);
            }
        }
        Expr::Call(c) => {
            let name = crate::ir::lower::path_name(&c.func).unwrap_or_default();
            if slice_node(ctx, c, &name, out, out_bar, fwd, rev) {
                return;
            }
            let Some(sig) = call_signature(&name, c.args.len()) else {
                let result = super::helper_call::Result::Scalar(out, out_bar);
                super::helper_call::linear_call(ctx, c, result, fwd, rev, node);
                return;
            };
            let path = math_path(&name);
            let rule = math_path(&format!("{name}_vjp"));
            let mut args = Vec::new();
            let mut bars = Vec::new();
            for (i, a) in c.args.iter().enumerate() {
                if sig.integer_first && i == 0 {
                    let k = ctx.temp("k");
                    fwd.push(quote_spanned!(a.span()=> let #k: i64 = (#a) as i64;));
                    args.push(k);
                } else {
                    let (t, tb) = (ctx.temp("t"), ctx.temp("b"));
                    node(ctx, a, &t, &tb, fwd, rev);
                    args.push(t);
                    bars.push(tb);
                }
            }
            fwd.push(quote_spanned!(span=> let #out: S = #path(#(#args),*);));
            let pattern = if bars.len() == 1 && !sig.integer_first && !name.ends_with("_lpdf") {
                let b = &bars[0];
                quote!(#b)
            } else {
                quote!((#(#bars,)*))
            };
            rev.push(quote_spanned!(span=> let #pattern = #rule(#(#args,)* #out, #out_bar);));
        }
        other => {
            ctx.diag.error_at(other, "this expression is not supported on parameter values: use arithmetic, the math functions of ppl (exp, ln, log_sum_exp, ...), indexing, or split it into `let` statements");
        }
    }
}
