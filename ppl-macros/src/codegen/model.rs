//! The generated model: `struct`, `new` (validating data), shape discovery, and the
//! `impl Model` that wires the primal (log density, JVP, constrain), the VJP (gradient,
//! Hessian-vector product), `unconstrain` and `simulate` together.

use super::expr::Ctx;
use super::primal::{ident, Flavor, PrimalGen};
use crate::ir::{Kind, Program, Stmt};
use crate::parse::signature::{DataArg, DataType};
use crate::runtime_paths as rt;
use proc_macro2::TokenStream;
use quote::quote;

/// `eight_schools` → `EightSchools`.
pub fn struct_name(f: &syn::Ident) -> syn::Ident {
    let camel: String = f
        .to_string()
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|h| h.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    syn::Ident::new(&camel, f.span())
}

fn field_type(ty: DataType) -> TokenStream {
    match ty {
        DataType::Real => quote!(f64),
        DataType::Int => quote!(i64),
        DataType::Index => quote!(usize),
        DataType::Bool => quote!(bool),
        DataType::Reals => quote!(::std::vec::Vec<f64>),
        DataType::Ints => quote!(::std::vec::Vec<i64>),
        DataType::Indices => quote!(::std::vec::Vec<usize>),
        DataType::Rows => quote!(::std::vec::Vec<::std::vec::Vec<f64>>),
    }
}

fn arg_type(ty: DataType) -> TokenStream {
    match ty {
        DataType::Real => quote!(f64),
        DataType::Int => quote!(i64),
        DataType::Index => quote!(usize),
        DataType::Bool => quote!(bool),
        DataType::Reals => quote!(&[f64]),
        DataType::Ints => quote!(&[i64]),
        DataType::Indices => quote!(&[usize]),
        DataType::Rows => quote!(&[::std::vec::Vec<f64>]),
    }
}

/// Validation of one data argument in `new`: finite reals, rectangular matrices.
fn validate(a: &DataArg) -> TokenStream {
    let err = rt::error();
    let name = &a.name;
    let label = name.to_string();
    match a.ty {
        DataType::Real => quote! {
            if !#name.is_finite() {
                return Err(#err::Data { argument: #label.into(), index: None, reason: format!("is {} (data must be finite)", #name) });
            }
        },
        DataType::Reals => quote! {
            if let Some(__i) = #name.iter().position(|v| !v.is_finite()) {
                return Err(#err::Data { argument: #label.into(), index: Some(__i), reason: format!("is {} (data must be finite)", #name[__i]) });
            }
        },
        DataType::Rows => quote! {
            if let Some(__first) = #name.first() {
                for (__i, __row) in #name.iter().enumerate() {
                    if __row.len() != __first.len() {
                        return Err(#err::Data { argument: #label.into(), index: Some(__i), reason: format!("row has {} columns but row 0 has {}", __row.len(), __first.len()) });
                    }
                    if let Some(__j) = __row.iter().position(|v| !v.is_finite()) {
                        return Err(#err::Data { argument: #label.into(), index: Some(__i), reason: format!("column {} is {} (data must be finite)", __j, __row[__j]) });
                    }
                }
            }
        },
        _ => quote!(),
    }
}

/// Binds the data fields under the variables' unique names at the top of a generated fn.
fn data_bindings(p: &Program, args: &[DataArg]) -> TokenStream {
    let binds = args.iter().enumerate().map(|(i, a)| {
        let id = crate::ir::lower::unique_ident(p.var(crate::ir::VarId(i)), crate::ir::VarId(i));
        let field = &a.name;
        let ty = arg_type(a.ty);
        if a.ty.is_slice() {
            quote!(let #id: #ty = &self.#field[..];)
        } else {
            quote!(let #id: #ty = self.#field;)
        }
    });
    quote!(#(#binds)*)
}

/// Everything generated for `#[model] fn name(...)`.
pub fn generate(
    item: &syn::ItemFn,
    args: &[DataArg],
    ctx: &mut Ctx,
    gradient_body: TokenStream,
    avx2_build: bool,
) -> TokenStream {
    let vis = &item.vis;
    let name = struct_name(&item.sig.ident);
    let docs = item.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let p = ctx.program;
    let err = rt::error();
    let result = rt::result();
    let scalar = rt::scalar();
    let stacks = rt::stacks();
    let ws = rt::workspace();
    let dual = rt::dual();
    let root = rt::root();
    let model = rt::model_trait();

    // Models with long vectorisable loops over data and no recursion run their gradient in
    // an AVX2 build when the CPU has it (same results; see `VjpGen::wants_avx2`).
    let gradient_call = if avx2_build {
        quote!(#root::math::gradient_with_avx2(self, x, grad, &mut ws.real))
    } else {
        quote!(self.__gradient::<f64>(x, grad, &mut ws.real))
    };

    let fields = args.iter().map(|a| {
        let (n, t) = (&a.name, field_type(a.ty));
        quote!(#n: #t)
    });
    let params = args.iter().map(|a| {
        let (n, t) = (&a.name, arg_type(a.ty));
        quote!(#n: #t)
    });
    let validations = args.iter().map(validate);
    let inits = args.iter().map(|a| {
        let n = &a.name;
        if a.ty.is_slice() {
            quote!(#n: #n.to_vec())
        } else {
            quote!(#n)
        }
    });
    let data = data_bindings(p, args);

    // Shapes: top-level passive statements and each site's length, in order.
    let mut shape_stmts = Vec::new();
    {
        let g = PrimalGen::new(ctx, Flavor::Density);
        for s in &p.body.stmts {
            match s {
                Stmt::Sample { site, .. } => {
                    let site = &p.sites[*site];
                    let sname = &site.name;
                    let tr = rt::transforms();
                    let lens = if super::vector_sites::family(&site.dist).is_some() {
                        super::vector_sites::shape(g.ctx, &site.dist)
                    } else if crate::ir::lower::is_vector_dist(&site.dist) {
                        let (sup, _) = super::sites::flat_support(g.ctx, &site.dist);
                        quote!({ let __s: #tr::Support<f64> = #sup; (__s.unconstrained_len(), __s.constrained_len()) })
                    } else {
                        match &site.dist.iid {
                            Some(n) => quote!({ let __n = (#n) as usize; (__n, __n) }),
                            None => quote!((1usize, 1usize)),
                        }
                    };
                    // Each site's constrained length, for the shapes of later vector sites.
                    let len_id = super::vector_sites::shape_len_ident(&ident(g.ctx, site.var));
                    shape_stmts.push(quote!(let __lens: (usize, usize) = #lens; __shapes.push((#sname, __lens)); let #len_id: usize = __lens.1;));
                }
                Stmt::Let { vars, init, .. }
                    if !vars.iter().any(|v| g.ctx.activity.is_active(*v))
                        && !g.ctx.is_active(init) =>
                {
                    let ids: Vec<syn::Ident> = vars.iter().map(|v| ident(g.ctx, *v)).collect();
                    if ids.len() == 1 {
                        shape_stmts.push(quote!(let #(#ids)* = #init;));
                    } else {
                        shape_stmts.push(quote!(let (#(#ids),*) = #init;));
                    }
                }
                _ => {}
            }
        }
    }

    // The three primal flavours.
    let mut density = PrimalGen::new(ctx, Flavor::Density);
    let (density_body, density_back) = density.top(&p.body);
    let mut unc = PrimalGen::new(ctx, Flavor::Unconstrain);
    let (unc_body, unc_back) = unc.top(&p.body);
    let mut sim = PrimalGen::new(ctx, Flavor::Simulate);
    let (sim_body, sim_back) = sim.top(&p.body);
    // `constrain` runs the body without its likelihood (see `ir::prune`).
    let mut cons = PrimalGen::new(ctx, Flavor::Density);
    let (cons_body, cons_back) = cons.top(&crate::ir::prune::constrain_body(p));
    let _ = Kind::Real;
    // Helpers called by a flavour take their scratch buffers past the flavour's own.
    let hb_density = super::helper_call::slots_used(&quote!(#density_body #density_back));
    let hb_unc = super::helper_call::slots_used(&quote!(#unc_body #unc_back));
    let hb_sim = super::helper_call::slots_used(&quote!(#sim_body #sim_back));
    let hb_cons = super::helper_call::slots_used(&quote!(#cons_body #cons_back));

    let (sites_text, obs_lines) = super::describe::static_parts(p);
    let site_names = sites_text.iter().map(|s| s.0.clone());
    let site_dists = sites_text.iter().map(|s| s.1.clone());
    let site_supports = sites_text.iter().map(|s| s.2.clone());
    let site_transforms = sites_text.iter().map(|s| s.3.clone());
    let model_name = item.sig.ident.to_string();

    quote! {
        #(#docs)*
        #[derive(Clone, Debug)]
        #vis struct #name {
            #(#fields,)*
            __dim: usize,
            __layout: ::std::vec::Vec<#root::SiteLayout>,
            __param_names: ::std::vec::Vec<::std::string::String>,
            /// The gradient's data-only log-density terms, summed by its first call.
            __const_lp: ::std::sync::OnceLock<f64>,
        }

        impl #name {
            /// Builds the model from its data, rejecting non-finite values and ragged
            /// matrices (the error names the argument and the index).
            #[allow(clippy::too_many_arguments)]
            #vis fn new(#(#params),*) -> #result<Self> {
                #(#validations)*
                let mut __m = #name { #(#inits,)* __dim: 0, __layout: ::std::vec::Vec::new(), __param_names: ::std::vec::Vec::new(), __const_lp: ::std::sync::OnceLock::new() };
                __m.__discover()?;
                Ok(__m)
            }

            #[allow(unused_variables, non_snake_case, unused_mut, unused_parens, clippy::all)]
            fn __shapes(&self) -> ::std::vec::Vec<(&'static str, (usize, usize))> {
                #data
                let mut __shapes = ::std::vec::Vec::new();
                #(#shape_stmts)*
                __shapes
            }

            /// A description of the model for people: each sample site with its
            /// distribution, support, transform, shape and unconstrained coordinates, then
            /// the observations and factors.
            #vis fn describe(&self) -> ::std::string::String {
                let __sites: &[(&str, &str, &str, &str)] = &[#((#site_names, #site_dists, #site_supports, #site_transforms)),*];
                let mut __s = format!("model {}: {} unconstrained dimensions\n", #model_name, self.__dim);
                __s.push_str("sample sites:\n");
                for (__i, (__n, __d, __sup, __t)) in __sites.iter().enumerate() {
                    let __l = &self.__layout[__i];
                    let __shape = if __l.constrained.len() == 1 && __l.unconstrained.len() == 1 { "scalar".to_string() } else { format!("{} values", __l.constrained.len()) };
                    __s.push_str(&format!("  {} ~ {}  support {}  transform {}  {}  x[{}..{}]\n", __n, __d, __sup, __t, __shape, __l.unconstrained.start, __l.unconstrained.end));
                }
                __s.push_str("observations and factors:\n");
                #(__s.push_str(#obs_lines); __s.push('\n');)*
                __s
            }

            /// Sizes, layout and output names, from the data.
            #[allow(clippy::all)]
            fn __discover(&mut self) -> #result<()> {
                let mut __off = 0usize;
                let mut __layout = ::std::vec::Vec::new();
                let mut __names = ::std::vec::Vec::new();
                let mut __coff = 0usize;
                for (__site, (__u, __c)) in self.__shapes() {
                    __layout.push(#root::SiteLayout { name: __site.to_string(), unconstrained: __off..__off + __u, constrained: __coff..__coff + __c });
                    if __c == 1 && __u == 1 { __names.push(__site.to_string()); } else { for __k in 0..__c { __names.push(format!("{}[{}]", __site, __k)); } }
                    __off += __u;
                    __coff += __c;
                }
                self.__dim = __off;
                self.__layout = __layout;
                // Deterministic names: one run at the origin of the unconstrained space.
                let __x = ::std::vec![0.0f64; __off];
                let mut __trace = #root::Trace::new();
                let mut __st = #stacks::<f64>::default();
                // Indices depend only on data, so this run reaches every data index: a data
                // argument too short for the loops over another is caught here, as an error.
                let __run = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
                    self.__primal::<f64>(&__x, &mut __st, Some(&mut __trace))
                }));
                match __run {
                    Ok(__r) => {
                        __r?;
                    }
                    Err(__panic) => {
                        let __msg = __panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| __panic.downcast_ref::<::std::string::String>().cloned())
                            .unwrap_or_default();
                        return Err(#err::Data {
                            argument: "(the data arguments together)".into(),
                            index: None,
                            reason: format!("the model cannot run on these data ({}): check that the data arguments have consistent lengths", __msg),
                        });
                    }
                }
                __names.extend(__trace.tidy_deterministic_names());
                self.__param_names = __names;
                Ok(())
            }

            #[allow(unused_variables, non_snake_case, unused_mut, unused_parens, unused_assignments, clippy::all)]
            #[inline]
            fn __primal<S: #scalar>(&self, x: &[S], __stacks: &mut #stacks<S>, mut __rec: ::std::option::Option<&mut #root::Trace>) -> #result<S> {
                #data
                let mut __lp: S = <S as #scalar>::zero();
                let mut __off: usize = 0;
                let __helper_base: usize = #hb_density;
                #density_body
                #density_back
                Ok(__lp)
            }

            /// The body without `observe`/`factor` and what only they need: records the
            /// constrained site values and the deterministics (`constrain`, once per draw).
            #[allow(unused_variables, non_snake_case, unused_mut, unused_parens, unused_assignments, clippy::all)]
            fn __constrain_values(&self, x: &[f64], __stacks: &mut #stacks<f64>, mut __rec: ::std::option::Option<&mut #root::Trace>) -> #result<()> {
                type S = f64;
                #data
                let mut __lp: S = 0.0;
                let mut __off: usize = 0;
                let __helper_base: usize = #hb_cons;
                #cons_body
                #cons_back
                Ok(())
            }

            #[allow(unused_variables, non_snake_case, unused_mut, unused_parens, unused_assignments, clippy::all)]
            fn __unconstrain(&self, __values: &[(&str, &[f64])], __x: &mut [f64], __stacks: &mut #stacks<f64>) -> #result<()> {
                type S = f64;
                #data
                let mut __trace = #root::Trace::new();
                let __given = |__name: &str, __k: usize| -> #result<f64> {
                    let (_, __v) = __values.iter().find(|(__n, _)| *__n == __name).ok_or_else(|| #err::MissingParameter(__name.to_string()))?;
                    __v.get(__k).copied().ok_or_else(|| #err::DimensionMismatch { what: format!("values of `{}`", __name), expected: __k + 1, found: __v.len() })
                };
                let mut __lp: S = 0.0;
                let mut __off: usize = 0;
                let __helper_base: usize = #hb_unc;
                #unc_body
                #unc_back
                Ok(())
            }

            #[allow(unused_variables, non_snake_case, unused_mut, unused_parens, unused_assignments, clippy::all)]
            fn __simulate(&self, __rng: &mut dyn #root::RngCore, __given_x: ::std::option::Option<&[f64]>, __x: &mut [f64], __trace: &mut #root::Trace, __stacks: &mut #stacks<f64>) -> #result<()> {
                type S = f64;
                #data
                let mut __lp: S = 0.0;
                let mut __off: usize = 0;
                let __helper_base: usize = #hb_sim;
                #sim_body
                #sim_back
                Ok(())
            }

            #gradient_body
        }

        impl #root::math::GradientBody for #name {
            #[inline(always)]
            fn gradient_body(&self, x: &[f64], grad: &mut [f64], stacks: &mut #stacks<f64>) -> #result<f64> {
                self.__gradient::<f64>(x, grad, stacks)
            }
        }

        #[allow(clippy::all)]
        impl #model for #name {
            fn dim(&self) -> usize { self.__dim }
            fn param_names(&self) -> ::std::vec::Vec<::std::string::String> { self.__param_names.clone() }
            fn layout(&self) -> ::std::vec::Vec<#root::SiteLayout> { self.__layout.clone() }
            fn log_density_in(&self, x: &[f64], ws: &mut #ws) -> #result<f64> {
                #root::check_len("x", self.__dim, x.len())?;
                self.__primal::<f64>(x, &mut ws.real, None)
            }
            fn log_density_gradient_in(&self, x: &[f64], grad: &mut [f64], ws: &mut #ws) -> #result<f64> {
                #root::check_len("x", self.__dim, x.len())?;
                #root::check_len("grad", self.__dim, grad.len())?;
                #gradient_call
            }
            fn log_density_jvp_in(&self, x: &[f64], v: &[f64], ws: &mut #ws) -> #result<(f64, f64)> {
                #root::check_len("x", self.__dim, x.len())?;
                #root::check_len("v", self.__dim, v.len())?;
                let mut xd = ::std::mem::take(&mut ws.dual_x);
                xd.clear();
                xd.extend(x.iter().zip(v).map(|(&a, &b)| #dual::new(a, b)));
                let r = self.__primal::<#dual>(&xd, &mut ws.dual, None);
                ws.dual_x = xd;
                let r = r?;
                Ok((r.v, r.d))
            }
            fn log_density_hvp_in(&self, x: &[f64], v: &[f64], out: &mut [f64], ws: &mut #ws) -> #result<f64> {
                #root::check_len("x", self.__dim, x.len())?;
                #root::check_len("v", self.__dim, v.len())?;
                #root::check_len("out", self.__dim, out.len())?;
                let mut xd = ::std::mem::take(&mut ws.dual_x);
                let mut gd = ::std::mem::take(&mut ws.dual_grad);
                xd.clear();
                xd.extend(x.iter().zip(v).map(|(&a, &b)| #dual::new(a, b)));
                gd.clear();
                gd.resize(self.__dim, #dual::default());
                let r = self.__gradient::<#dual>(&xd, &mut gd, &mut ws.dual);
                for (o, g) in out.iter_mut().zip(&gd) { *o = g.d; }
                ws.dual_x = xd;
                ws.dual_grad = gd;
                Ok(r?.v)
            }
            fn constrain(&self, x: &[f64], out: &mut ::std::vec::Vec<f64>) -> #result<()> {
                #root::check_len("x", self.__dim, x.len())?;
                let mut trace = #root::Trace::values_only(self.__param_names.len());
                self.__constrain_values(x, &mut #stacks::<f64>::default(), Some(&mut trace))?;
                out.clear();
                out.extend_from_slice(&trace.sites);
                out.extend_from_slice(&trace.deterministics);
                Ok(())
            }
            fn unconstrain(&self, values: &[(&str, &[f64])]) -> #result<::std::vec::Vec<f64>> {
                for (n, v) in values {
                    match self.__layout.iter().find(|s| s.name == *n) {
                        None => return Err(#err::UnknownParameter(n.to_string())),
                        Some(s) if s.constrained.len() != v.len() => {
                            return Err(#err::DimensionMismatch { what: format!("values of `{}`", n), expected: s.constrained.len(), found: v.len() })
                        }
                        _ => {}
                    }
                }
                let mut x = ::std::vec![0.0; self.__dim];
                self.__unconstrain(values, &mut x, &mut #stacks::<f64>::default())?;
                Ok(x)
            }
            fn simulate(&self, rng: &mut dyn #root::RngCore, params: ::std::option::Option<&[f64]>) -> #result<#root::Simulation> {
                if let Some(p) = params { #root::check_len("params", self.__dim, p.len())?; }
                let mut x = ::std::vec![0.0; self.__dim];
                let mut trace = #root::Trace::new();
                self.__simulate(rng, params, &mut x, &mut trace, &mut #stacks::<f64>::default())?;
                let mut constrained = ::std::vec::Vec::new();
                self.constrain(&x, &mut constrained)?;
                Ok(#root::Simulation { unconstrained: x, constrained, observations: trace.observations })
            }
        }
    }
}
