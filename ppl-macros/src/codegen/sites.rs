//! Distribution expressions at sites: their arguments lifted to the scalar type, whether
//! they are discrete or vector-valued, and how their support's bounds map to arguments.

use super::expr::{primal, strip, Ctx};
use crate::ir::{DistCall, Kind};
use crate::runtime_paths as rt;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// Distributions over integers (observe values are counts).
pub const DISCRETE: &[&str] = &[
    "Bernoulli",
    "BernoulliLogit",
    "Binomial",
    "BinomialLogit",
    "Poisson",
    "PoissonLog",
    "NegativeBinomial2",
    "NegativeBinomial2Log",
    "Categorical",
    "CategoricalLogit",
];

/// Supports usable in `Flat(...)`, with their number of bound arguments.
pub const SUPPORTS: &[(&str, usize)] = &[
    ("Real", 0),
    ("Positive", 0),
    ("UnitInterval", 0),
    ("LowerBounded", 1),
    ("UpperBounded", 1),
    ("Interval", 2),
    ("Simplex", 1),
    ("Ordered", 1),
    ("PositiveOrdered", 1),
    ("CorrCholesky", 1),
    ("CovCholesky", 1),
];

/// `true` for a distribution over integers.
pub fn is_discrete(d: &DistCall) -> bool {
    DISCRETE.contains(&d.name.to_string().as_str())
}

/// `true` for `Flat(...)`.
pub fn is_flat(d: &DistCall) -> bool {
    d.name == "Flat"
}

/// The support expression of `Flat(support)` at scalar type `S`, and the expressions of
/// its bounds (whose adjoints the transform's reverse rule returns).
pub fn flat_support(ctx: &mut Ctx, d: &DistCall) -> (TokenStream, Vec<syn::Expr>) {
    let tr = rt::transforms();
    let Some(arg) = d.args.first().filter(|_| d.args.len() == 1) else {
        ctx.diag.error(
            d.span,
            "`Flat` takes one support, e.g. `Flat(Positive)` or `Flat(Interval(0.0, 1.0))`",
        );
        return (quote!(#tr::Support::Real), Vec::new());
    };
    let (name, args): (String, Vec<syn::Expr>) = match strip(arg) {
        syn::Expr::Path(p) => (
            p.path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            Vec::new(),
        ),
        syn::Expr::Call(c) => (
            crate::ir::lower::path_name(&c.func).unwrap_or_default(),
            c.args.iter().cloned().collect(),
        ),
        _ => (String::new(), Vec::new()),
    };
    let Some((_, n)) = SUPPORTS.iter().find(|(s, _)| *s == name) else {
        let names: Vec<&str> = SUPPORTS.iter().map(|(s, _)| *s).collect();
        ctx.diag.error_at(
            arg,
            format!("unknown support: expected one of {}", names.join(", ")),
        );
        return (quote!(#tr::Support::Real), Vec::new());
    };
    if args.len() != *n {
        ctx.diag
            .error_at(arg, format!("`{name}` takes {n} argument(s)"));
        return (quote!(#tr::Support::Real), Vec::new());
    }
    let ident = syn::Ident::new(&name, arg.span());
    match name.as_str() {
        "LowerBounded" | "UpperBounded" | "Interval" => {
            let bounds: Vec<TokenStream> = args.iter().map(|a| primal(ctx, a)).collect();
            (
                quote_spanned!(arg.span()=> #tr::Support::#ident(#(#bounds),*)),
                args,
            )
        }
        "Real" | "Positive" | "UnitInterval" => (
            quote_spanned!(arg.span()=> #tr::Support::#ident),
            Vec::new(),
        ),
        _ => {
            let k = &args[0];
            (
                quote_spanned!(arg.span()=> #tr::Support::#ident((#k) as usize)),
                Vec::new(),
            )
        }
    }
}

/// The distribution value at scalar type `S`: `dist::Normal(mu, sigma)` with every argument
/// an `S` (scalar distributions only).
pub fn scalar_dist(ctx: &mut Ctx, d: &DistCall) -> TokenStream {
    let path = rt::dist();
    let name = &d.name;
    let args: Vec<TokenStream> = d.args.iter().map(|a| primal(ctx, a)).collect();
    quote_spanned!(d.span=> #path::#name(#(#args),*))
}

/// Arguments of a vectorised (broadcast) observation: active vectors as slices, data
/// slices wrapped in `Data`, scalars lifted.
pub fn broadcast_dist(ctx: &mut Ctx, d: &DistCall) -> TokenStream {
    let path = rt::dist();
    let name = &d.name;
    let args: Vec<TokenStream> = d.args.iter().map(|a| broadcast_arg(ctx, a)).collect();
    quote_spanned!(d.span=> #path::#name(#(#args),*))
}

/// One broadcast argument (see [`broadcast_dist`]).
pub fn broadcast_arg(ctx: &mut Ctx, a: &syn::Expr) -> TokenStream {
    let path = rt::dist();
    let is_vec = ctx.var_kind(a) == Some(Kind::Reals);
    match (is_vec, ctx.is_active(a)) {
        (true, true) => quote_spanned!(a.span()=> &(#a)[..]),
        (true, false) => quote_spanned!(a.span()=> #path::Data(&(#a)[..])),
        (false, _) => primal(ctx, a),
    }
}

/// `true` when the observed value is a vector (a slice of data or a local vector).
pub fn is_vector_value(ctx: &Ctx, value: &syn::Expr) -> bool {
    matches!(ctx.var_kind(value), Some(Kind::Reals | Kind::Ints))
        || matches!(strip(value), syn::Expr::Reference(_))
        || matches!(strip(value), syn::Expr::Index(ix) if matches!(*ix.index, syn::Expr::Range(_)))
}
