//! Sample sites of vector-valued distributions: `Dirichlet(alpha)` (a simplex, stick-breaking
//! transform), `MultiNormal(mu, L)` (a real vector, identity transform; `L` the lower
//! Cholesky factor of the covariance, `n × n` row-major) and `LkjCholesky(k, eta)` (the
//! Cholesky factor of a `k × k` correlation matrix, stored row-major in `k²` values and
//! read in the model as `L[i * k + j]`; canonical-partial-correlation transform).
//!
//! The prior's log density and the transform's log-Jacobian are added at the site. Vector
//! arguments are either data (a slice argument, rows of a data matrix flattened row by
//! row, or `vec![..]` of data), lifted element by element into a workspace buffer of the
//! scalar type (no allocation after warm-up), or the vector of an earlier sample site,
//! passed by name. The helpers here classify and lift those arguments and give the site's
//! shape, description and compile-time checks; the primal flavours and reverse mode use
//! them (`PrimalGen::family_site`, `VjpGen::family_sample`).

use super::expr::{lift, strip, Ctx};
use crate::analysis::activity::{var_of_ident, Activity};
use crate::diagnostics::Diagnostics;
use crate::ir::{DistCall, Kind, Origin, Program, Site};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

/// A vector-valued distribution usable at a sample site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `Dirichlet(alpha)`.
    Dirichlet,
    /// `MultiNormal(mu, L)`.
    MultiNormal,
    /// `LkjCholesky(k, eta)`.
    LkjCholesky,
}

impl Family {
    /// Indices of the arguments that are vectors.
    pub fn vector_args(self) -> &'static [usize] {
        match self {
            Family::Dirichlet => &[0],
            Family::MultiNormal => &[0, 1],
            Family::LkjCholesky => &[],
        }
    }

    fn arity(self) -> usize {
        match self {
            Family::Dirichlet => 1,
            _ => 2,
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Family::Dirichlet => "`Dirichlet(alpha)` with `alpha` a data slice, `vec![..]` of data, or the vector of a sample site",
            Family::MultiNormal => "`MultiNormal(mu, L)` with `mu` (length n) and `L` (the lower Cholesky factor of the covariance, n × n row-major, or rows of a data matrix) data or sample-site vectors",
            Family::LkjCholesky => "`LkjCholesky(k, eta)` with the dimension `k` data and the shape `eta` a number or parameter",
        }
    }
}

/// The family of a site's distribution, when it is one of the vector families.
pub fn family(d: &DistCall) -> Option<Family> {
    match d.name.to_string().as_str() {
        "Dirichlet" => Some(Family::Dirichlet),
        "MultiNormal" => Some(Family::MultiNormal),
        "LkjCholesky" => Some(Family::LkjCholesky),
        _ => None,
    }
}

/// The variable a plain path expression names, when it is a sample site's vector.
fn site_vector(p: &Program, e: &syn::Expr) -> Option<syn::Ident> {
    let syn::Expr::Path(path) = strip(e) else {
        return None;
    };
    let id = path.path.get_ident()?;
    let v = var_of_ident(id)?;
    let var = p.vars.get(v.0)?;
    (matches!(var.origin, Origin::Site(_)) && var.kind == Kind::Reals).then(|| id.clone())
}

/// Compile-time checks of a vector-family site (arity, `.iid`, argument kinds).
pub fn check_site(p: &Program, a: &Activity, site: &Site, diag: &mut Diagnostics) {
    let d = &site.dist;
    if super::sites::is_discrete(d) {
        diag.error(
            d.span,
            format!(
                "`{}` at a sample site would be a discrete parameter, which gradient-based inference cannot sample: marginalise it out (sum its values' probabilities with `log_sum_exp` in a `factor`), or use `observe` for data",
                d.name
            ),
        );
        return;
    }
    let alias = match d.name.to_string().as_str() {
        "MultiNormalCholesky" | "MultivariateNormal" | "MvNormal" => Some("MultiNormal(mu, L)"),
        "LkjCorrCholesky" | "LKJCholesky" => Some("LkjCholesky(k, eta)"),
        _ => None,
    };
    if let Some(alt) = alias {
        diag.error(
            d.span,
            format!(
                "unknown distribution `{}`: write `{alt}` (`L` the lower Cholesky factor, row-major)",
                d.name
            ),
        );
        return;
    }
    let Some(fam) = family(d) else {
        return;
    };
    if d.iid.is_some() {
        diag.error(
            d.span,
            format!(
                "`.iid(n)` of the vector distribution `{}` is not supported: declare one site per copy",
                d.name
            ),
        );
        return;
    }
    if d.args.len() != fam.arity() {
        diag.error(
            d.span,
            format!(
                "`{}` takes {} argument(s): {}",
                d.name,
                fam.arity(),
                fam.usage()
            ),
        );
        return;
    }
    for &k in fam.vector_args() {
        let arg = &d.args[k];
        if a.expr_is_active(arg) && site_vector(p, arg).is_none() {
            diag.error_at(
                arg,
                format!(
                    "a parameter-dependent vector argument of `{}` at a sample site must be the vector of an earlier sample site, passed by name (or data): {}",
                    d.name,
                    fam.usage()
                ),
            );
        }
    }
    if fam == Family::LkjCholesky && a.expr_is_active(&d.args[0]) {
        diag.error_at(
            &d.args[0],
            "the dimension `k` of `LkjCholesky(k, eta)` must be data",
        );
    }
}

/// An argument vector of a vector-family prior.
pub enum VecArg {
    /// The vector of a sample site (its adjoint is `<name>__bar`).
    Site(syn::Ident),
    /// Data, lifted into a buffer.
    Data(syn::Expr),
}

/// Classifies a (checked) vector argument.
pub fn classify(ctx: &Ctx, e: &syn::Expr) -> VecArg {
    match site_vector(ctx.program, e) {
        Some(id) if ctx.is_active(e) => VecArg::Site(id),
        _ => VecArg::Data(e.clone()),
    }
}

/// `vec![x; n]` → `(x, Some(n))`, `vec![a, b]` → items.
fn vec_macro(e: &syn::Expr) -> Option<(Vec<syn::Expr>, Option<syn::Expr>)> {
    let syn::Expr::Macro(m) = strip(e) else {
        return None;
    };
    if !m.mac.path.is_ident("vec") {
        return None;
    }
    m.mac
        .parse_body_with(|input: syn::parse::ParseStream| {
            let first: syn::Expr = input.parse()?;
            if input.peek(syn::Token![;]) {
                let _: syn::Token![;] = input.parse()?;
                let n: syn::Expr = input.parse()?;
                return Ok((vec![first], Some(n)));
            }
            let mut items = vec![first];
            while input.peek(syn::Token![,]) {
                let _: syn::Token![,] = input.parse()?;
                if input.is_empty() {
                    break;
                }
                items.push(input.parse()?);
            }
            Ok((items, None))
        })
        .ok()
}

/// The number of values of a data vector argument (rows of a matrix: all their values).
pub fn data_len(ctx: &Ctx, e: &syn::Expr) -> TokenStream {
    if let Some((items, repeat)) = vec_macro(e) {
        return match repeat {
            Some(n) => quote!(((#n) as usize)),
            None => {
                let n = items.len();
                quote!(#n)
            }
        };
    }
    if ctx.var_kind(e) == Some(Kind::Rows) {
        return quote!((#e).iter().map(|__r| __r.len()).sum::<usize>());
    }
    quote!((#e).len())
}

/// Code writing a data vector argument into the buffer `buf` (sized by [`data_len`]),
/// each value lifted to `S`.
pub fn lift_fill(ctx: &Ctx, e: &syn::Expr, buf: &syn::Ident) -> TokenStream {
    let scalar = crate::runtime_paths::scalar();
    let root = crate::runtime_paths::root();
    if let Some((items, repeat)) = vec_macro(e) {
        return match repeat {
            Some(_) => {
                let v = lift(&items[0]);
                quote!(for __b in #buf.iter_mut() { *__b = #v; })
            }
            None => {
                let sets = items.iter().enumerate().map(|(k, it)| {
                    let v = lift(it);
                    quote!(#buf[#k] = #v;)
                });
                quote!(#(#sets)*)
            }
        };
    }
    let values = if ctx.var_kind(e) == Some(Kind::Rows) {
        quote!((#e).iter().flatten())
    } else {
        quote!((#e).iter())
    };
    quote! {
        for (__b, __v) in #buf.iter_mut().zip(#values) {
            *__b = <S as #scalar>::cst(#root::ToF64::to_f64(*__v));
        }
    }
}

/// The name of the local holding a site's constrained length in `__shapes`.
/// The distribution and support of a Dirichlet or MultiNormal site from its vector
/// arguments as slices (`None` for LkjCholesky, whose `eta` each mode writes itself).
pub fn slice_site_dist(fam: Family, slices: &[TokenStream]) -> Option<(TokenStream, TokenStream)> {
    let (dist, tr) = (
        crate::runtime_paths::dist(),
        crate::runtime_paths::transforms(),
    );
    match fam {
        Family::Dirichlet => {
            let a = &slices[0];
            Some((
                quote!(#dist::Dirichlet(#a)),
                quote!(#tr::Support::Simplex((#a).len())),
            ))
        }
        Family::MultiNormal => {
            let (m, l) = (&slices[0], &slices[1]);
            Some((
                quote!(#dist::MultiNormal(#m, #l)),
                quote!(#tr::Support::Real),
            ))
        }
        _ => None,
    }
}

/// The lengths of a MultiNormal site (`ul = cl = n`, bound to the given idents) and the
/// check that its Cholesky factor `l` has `n × n` values.
pub fn multi_normal_lens(
    name: &str,
    n: &TokenStream,
    l: &TokenStream,
    ul: &syn::Ident,
    cl: &syn::Ident,
) -> TokenStream {
    let root = crate::runtime_paths::root();
    quote! {
        let #ul: usize = #n;
        let #cl: usize = #ul;
        #root::check_len(concat!("sample(\"", #name, "\"): MultiNormal(mu, L): L has n × n values"), #ul * #ul, (#l).len())?;
    }
}

pub fn shape_len_ident(site_var: &syn::Ident) -> syn::Ident {
    format_ident!("__len_{}", site_var)
}

/// `(unconstrained_len, constrained_len)` of a vector-family site, in the `__shapes`
/// context (data and top-level passive lets bound; earlier sites' lengths in
/// [`shape_len_ident`] locals).
pub fn shape(ctx: &Ctx, d: &DistCall) -> TokenStream {
    let len_of = |e: &syn::Expr| match site_vector(ctx.program, e) {
        Some(id) if ctx.is_active(e) => {
            let l = shape_len_ident(&id);
            quote!(#l)
        }
        _ => data_len(ctx, e),
    };
    match family(d) {
        Some(Family::Dirichlet) => {
            let k = len_of(&d.args[0]);
            quote!({ let __k: usize = #k; (__k.saturating_sub(1), __k) })
        }
        Some(Family::MultiNormal) => {
            let n = len_of(&d.args[0]);
            quote!({ let __n: usize = #n; (__n, __n) })
        }
        Some(Family::LkjCholesky) => {
            let k = &d.args[0];
            quote!({ let __k: usize = (#k) as usize; (__k * (__k.saturating_sub(1)) / 2, __k * __k) })
        }
        None => quote!((0usize, 0usize)),
    }
}

/// Support and transform shown by `describe()`.
pub fn describe(d: &DistCall) -> (String, &'static str) {
    let text = |e: &syn::Expr| e.to_token_stream().to_string();
    match family(d) {
        Some(Family::Dirichlet) => (
            format!("Simplex(len({}))", text(&d.args[0])),
            "stick-breaking",
        ),
        Some(Family::MultiNormal) => (format!("Real^len({})", text(&d.args[0])), "identity"),
        Some(Family::LkjCholesky) => (
            format!(
                "CorrCholesky({}), row-major: L[i * k + j]",
                text(&d.args[0])
            ),
            "tanh (canonical partial correlations)",
        ),
        None => ("?".into(), "?"),
    }
}

/// Distributions with vector arguments or values accepted by `observe`.
pub fn observe_family(d: &DistCall) -> Option<&'static str> {
    [
        "Dirichlet",
        "MultiNormal",
        "LkjCholesky",
        "Categorical",
        "CategoricalLogit",
    ]
    .into_iter()
    .find(|n| d.name == n)
}

/// The code of an `observe` of a distribution with vector arguments (see
/// [`observe_family`]): scratch buffers for the caller to take (`let mut buf: Vec<S> =
/// take(len)`, zero-filled), then `fill` (lifting data into them), `term` (the log
/// density's value, an `S` expression) and `reverse` (adds `__lp_bar ·` the partials into
/// the adjoints of parameter-dependent arguments; reads the value as `term_id`).
pub struct ObservePieces {
    /// Buffers to take, with their lengths.
    pub buffers: Vec<(syn::Ident, TokenStream)>,
    /// Lifting of data into the buffers.
    pub fill: TokenStream,
    /// The log density's value.
    pub term: TokenStream,
    /// The reverse rule's code.
    pub reverse: TokenStream,
    /// Simulation (`S = f64`): draws the observation and records it in `__trace`.
    pub draw: TokenStream,
}

/// See [`ObservePieces`]; `None` (with an error) for unsupported arguments.
pub fn observe_pieces(
    ctx: &mut Ctx,
    obs_name: &str,
    d: &DistCall,
    value: &syn::Expr,
    term_id: &syn::Ident,
) -> Option<ObservePieces> {
    let dist = crate::runtime_paths::dist();
    let root = crate::runtime_paths::root();
    let scalar = crate::runtime_paths::scalar();
    let name = observe_family(d)?;
    let arity = match name {
        "Dirichlet" | "Categorical" | "CategoricalLogit" => 1,
        _ => 2,
    };
    if d.iid.is_some() || d.args.len() != arity {
        ctx.diag.error(
            d.span,
            format!("`observe` takes `{name}` with {arity} argument(s) and no `.iid`"),
        );
        return None;
    }
    let mut buffers = Vec::new();
    let mut fill = Vec::new();
    let mut draw = quote!();
    // A vector argument: (slice, adjoint sink if parameter-dependent).
    let mut vector = |ctx: &mut Ctx, e: &syn::Expr| -> Option<(TokenStream, Option<syn::Ident>)> {
        if ctx.is_active(e) {
            let id = match strip(e) {
                syn::Expr::Path(p) if ctx.var_kind(e) == Some(Kind::Reals) => {
                    p.path.get_ident().cloned()
                }
                _ => None,
            };
            let Some(id) = id else {
                ctx.diag.error_at(
                    e,
                    "pass a parameter-dependent vector by name here (a sample site or a local vector)",
                );
                return None;
            };
            let bar = super::expr::bar_of(&id);
            return Some((quote!(&#id[..]), Some(bar)));
        }
        let buf = ctx.temp("va");
        buffers.push((buf.clone(), data_len(ctx, e)));
        fill.push(lift_fill(ctx, e, &buf));
        Some((quote!(&#buf[..]), None))
    };
    // A data value (a vector of reals).
    let data_value = |ctx: &mut Ctx| -> bool {
        if ctx.is_active(value) {
            ctx.diag.error_at(
                value,
                format!("`observe` of `{name}` takes data as the observed value"),
            );
            return false;
        }
        true
    };
    let (term, reverse) = match name {
        "Categorical" | "CategoricalLogit" => {
            let (p, sink) = vector(ctx, &d.args[0])?;
            let ks = if matches!(ctx.var_kind(value), Some(Kind::Ints)) {
                quote!(&(#value)[..])
            } else {
                quote!(((#value) as i64))
            };
            let ident = syn::Ident::new(name, d.name.span());
            let dd = quote!(#dist::#ident(#p));
            let rev = sink.map(|b| quote!(let _ = #dd.lpmf_sum_vjp(#ks, __lp_bar, &mut #b[..]);));
            let n = if matches!(ctx.var_kind(value), Some(Kind::Ints)) {
                quote!((#value).len())
            } else {
                quote!(1usize)
            };
            draw = quote! {
                let mut __obs = Vec::with_capacity(#n);
                for _ in 0..#n { __obs.push(#root::draw(&#dd, __rng)? as f64); }
                __trace.observation(#obs_name, __obs);
            };
            (
                quote!(#dd.lpmf_sum_vjp(#ks, <S as #scalar>::zero(), &mut [])),
                quote!(#rev),
            )
        }
        "Dirichlet" => {
            let (a, sink) = vector(ctx, &d.args[0])?;
            if !data_value(ctx) {
                return None;
            }
            let (y, _) = vector(ctx, value)?;
            let dd = quote!(#dist::Dirichlet(#a));
            draw = quote!(__trace.observation(#obs_name, #root::draw(&#dd, __rng)?););
            let rev = sink.map(
                |b| quote!(let _ = #dd.lpdf_vjp(#y, __lp_bar, #dist::NoAdjoint, &mut #b[..]);),
            );
            (quote!(#dd.lpdf(#y)), quote!(#rev))
        }
        "MultiNormal" => {
            let (m, msink) = vector(ctx, &d.args[0])?;
            let (l, lsink) = vector(ctx, &d.args[1])?;
            if !data_value(ctx) {
                return None;
            }
            let (y, _) = vector(ctx, value)?;
            let scratch = ctx.temp("scratch");
            buffers.push((scratch.clone(), quote!((#y).len())));
            let dd = quote!(#dist::MultiNormal(#m, #l));
            draw = quote!(__trace.observation(#obs_name, #root::draw(&#dd, __rng)?););
            let check = quote! {
                #root::check_len("observe: MultiNormal(mu, L): mu as long as the value", (#y).len(), (#m).len())?;
                #root::check_len("observe: MultiNormal(mu, L): L of n × n values", (#y).len() * (#y).len(), (#l).len())?;
            };
            let rev = if msink.is_none() && lsink.is_none() {
                quote!()
            } else {
                let mut sinks = Vec::new();
                let mut extra = Vec::new();
                for (k, s) in [&msink, &lsink].into_iter().enumerate() {
                    match s {
                        Some(b) => sinks.push(quote!(&mut #b[..])),
                        None => {
                            let dm = ctx.temp("nobar");
                            let len = if k == 0 {
                                quote!((#y).len())
                            } else {
                                quote!((#l).len())
                            };
                            extra.push((dm.clone(), len));
                            sinks.push(quote!(&mut #dm[..]));
                        }
                    }
                }
                let ybar = ctx.temp("nobar");
                extra.push((ybar.clone(), quote!((#y).len())));
                buffers.extend(extra);
                let (ms, ls) = (&sinks[0], &sinks[1]);
                quote!(#dd.lpdf_vjp(#y, #term_id, __lp_bar, &mut #ybar[..], #ms, #ls, &mut #scratch[..]);)
            };
            (quote!({ #check #dd.lpdf_in(#y, &mut #scratch[..]) }), rev)
        }
        _ => {
            // LkjCholesky(k, eta) observed at a data correlation factor.
            if !data_value(ctx) {
                return None;
            }
            let (y, _) = vector(ctx, value)?;
            let k = &d.args[0];
            let lin = super::expr::linearize(ctx, &d.args[1]);
            let (f, v, lb, r) = (&lin.forward, &lin.value, &lin.bar, &lin.reverse);
            let lbar = ctx.temp("nobar");
            buffers.push((lbar.clone(), quote!((#y).len())));
            let dd = quote!(#dist::LkjCholesky((#k) as usize, #v));
            draw = quote!(#(#f)* __trace.observation(#obs_name, #root::draw(&#dd, __rng)?););
            (
                quote!({ #(#f)* #dd.lpdf(#y) }),
                quote!({ #(#f)* let #lb: S = #dd.lpdf_vjp(#y, #term_id, __lp_bar, &mut #lbar[..]); #(#r)* }),
            )
        }
    };
    Some(ObservePieces {
        buffers,
        fill: quote!(#(#fill)*),
        term,
        reverse,
        draw,
    })
}
