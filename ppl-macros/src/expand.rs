//! The pipeline of `#[model]`: parse → IR → analyses → code generation; on error, the
//! combined compile errors plus a stub struct so the user sees only the real errors.

use crate::analysis::activity;
use crate::codegen::expr::Ctx;
use crate::codegen::{model, vjp};
use crate::diagnostics::Diagnostics;
use crate::ir::fission::observe_fission;
use crate::ir::lower::lower_model;
use crate::parse::signature::parse_signature;
use crate::runtime_paths as rt;
use proc_macro2::TokenStream;
use quote::quote;

/// Expands `#[model] fn ...`.
pub fn model(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::new();
    if !attr.is_empty() {
        diag.error_at(&attr, "`#[model]` takes no options");
    }
    let func: syn::ItemFn = match syn::parse2(item) {
        Ok(f) => f,
        Err(e) => return e.into_compile_error(),
    };
    let args = parse_signature(&func.sig, &mut diag);
    let program = lower_model(&args, &func.block, &mut diag);
    let act = activity::analyse(&program, &mut diag);
    if !diag.is_empty() {
        return fallback(&func, diag);
    }
    // Reverse mode, on the body with likelihood loops gathered (`ir::fission`): its
    // scratch slots may reuse the primal's numbers (the two never run at once).
    let grad_body = {
        let gathered = observe_fission(&program, |e| act.expr_is_active(e));
        let grad_program = gathered.as_ref().unwrap_or(&program);
        let grad_act = match &gathered {
            Some(g) => activity::analyse(g, &mut diag),
            None => act.clone(),
        };
        let mut ctx = Ctx {
            program: grad_program,
            activity: &grad_act,
            diag: &mut diag,
            fresh: 0,
        };
        let mut g = vjp::VjpGen::new(&mut ctx, 0);
        let body = g.function_body(&grad_program.body);
        (body, g.wants_avx2())
    };
    let (grad_body, avx2_build) = grad_body;
    let mut ctx = Ctx {
        program: &program,
        activity: &act,
        diag: &mut diag,
        fresh: 0,
    };
    let hb = crate::codegen::helper_call::slots_used(&grad_body);
    let scalar = rt::scalar();
    let stacks = rt::stacks();
    let result = rt::result();
    let root = rt::root();
    let allow = vjp::allow_attrs();
    let data = {
        let binds = args.iter().enumerate().map(|(i, a)| {
            let id = crate::ir::lower::unique_ident(
                program.var(crate::ir::VarId(i)),
                crate::ir::VarId(i),
            );
            let field = &a.name;
            if a.ty.is_slice() {
                quote!(let #id = &self.#field[..];)
            } else {
                quote!(let #id = self.#field;)
            }
        });
        quote!(#(#binds)*)
    };
    // Inlined into the AVX2 build of a model with long loops (see `model::generate`).
    let inline = if avx2_build {
        quote!(#[inline(always)])
    } else {
        quote!(#[inline])
    };
    let gradient = quote! {
        #allow
        #inline
        fn __gradient<S: #scalar>(&self, x: &[S], grad: &mut [S], __stacks: &mut #stacks<S>) -> #result<S> {
            #data
            // Every coordinate of `grad` is written (not added to) by the reverse rule of its
            // sample site, which runs exactly once (sites are top-level statements): no
            // zeroing pass first.
            let mut __lp: S = <S as #scalar>::zero();
            let __lp_bar: S = <S as #scalar>::one();
            let mut __off: usize = 0;
            let mut __rec: ::std::option::Option<&mut #root::Trace> = None;
            let __helper_base: usize = #hb;
            // Data-only terms, computed by the first call (see `codegen::vjp`'s observe).
            let __const_cached: ::std::option::Option<f64> = self.__const_lp.get().copied();
            let mut __const_acc: f64 = 0.0;
            #grad_body
            let __const: f64 = match __const_cached {
                Some(__c) => __c,
                None => *self.__const_lp.get_or_init(|| __const_acc),
            };
            __lp += <S as #scalar>::cst(__const);
            Ok(__lp)
        }
    };
    let out = model::generate(&func, &args, &mut ctx, gradient, avx2_build);
    if !diag.is_empty() {
        return fallback(&func, diag);
    }
    dump_if_asked(&func.sig.ident, &out);
    out
}

/// The errors, plus an empty struct of the model's name so later uses of it do not add
/// unrelated errors.
fn fallback(func: &syn::ItemFn, diag: Diagnostics) -> TokenStream {
    let name = model::struct_name(&func.sig.ident);
    let vis = &func.vis;
    let errors = match diag.finish() {
        Err(e) => e.into_compile_error(),
        Ok(()) => quote!(),
    };
    // The stub's signature: the model's arguments without `mut` (no stray warnings).
    let inputs: Vec<TokenStream> = func
        .sig
        .inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(pt) => {
                let mut pt = pt.clone();
                if let syn::Pat::Ident(pi) = &mut *pt.pat {
                    pi.mutability = None;
                }
                quote!(#pt)
            }
            other => quote!(#other),
        })
        .collect();
    let result = rt::result();
    quote! {
        #errors
        #vis struct #name;
        impl #name {
            #[allow(unused_variables, clippy::too_many_arguments)]
            #vis fn new(#(#inputs),*) -> #result<Self> {
                unreachable!("the model did not compile")
            }
        }
    }
}

/// Development aid: with `PPL_DUMP_DIR` set at compile time, writes each expansion to
/// `$PPL_DUMP_DIR/<model>.rs` (format it with rustfmt to read it).
fn dump_if_asked(name: &syn::Ident, out: &TokenStream) {
    if let Ok(dir) = std::env::var("PPL_DUMP_DIR") {
        let path = std::path::Path::new(&dir).join(format!("{name}.rs"));
        let _ = std::fs::write(path, out.to_string());
    }
}
