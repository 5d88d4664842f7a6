//! Data arguments of a model function and their allowed types.

use crate::diagnostics::Diagnostics;
use syn::{FnArg, Pat, Type};

/// The type of a data argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataType {
    /// `f64`
    Real,
    /// `i64`
    Int,
    /// `usize`
    Index,
    /// `bool`
    Bool,
    /// `&[f64]`
    Reals,
    /// `&[i64]`
    Ints,
    /// `&[usize]`
    Indices,
    /// `&[Vec<f64>]`: rows of a matrix
    Rows,
}

impl DataType {
    /// How the type is written in the model signature.
    #[cfg(test)]
    pub fn written(self) -> &'static str {
        match self {
            DataType::Real => "f64",
            DataType::Int => "i64",
            DataType::Index => "usize",
            DataType::Bool => "bool",
            DataType::Reals => "&[f64]",
            DataType::Ints => "&[i64]",
            DataType::Indices => "&[usize]",
            DataType::Rows => "&[Vec<f64>]",
        }
    }

    /// `true` for the slice types.
    pub fn is_slice(self) -> bool {
        matches!(
            self,
            DataType::Reals | DataType::Ints | DataType::Indices | DataType::Rows
        )
    }
}

/// One data argument.
#[derive(Clone, Debug)]
pub struct DataArg {
    /// Its name.
    pub name: syn::Ident,
    /// Its type.
    pub ty: DataType,
}

const SUPPORTED: &str = "supported data types are f64, i64, usize, bool, &[f64], &[i64], &[usize] and &[Vec<f64>] (rows of a matrix)";

fn is_path(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

fn classify(ty: &Type) -> Option<DataType> {
    if is_path(ty, "f64") {
        return Some(DataType::Real);
    }
    if is_path(ty, "i64") {
        return Some(DataType::Int);
    }
    if is_path(ty, "usize") {
        return Some(DataType::Index);
    }
    if is_path(ty, "bool") {
        return Some(DataType::Bool);
    }
    let Type::Reference(r) = ty else { return None };
    if r.mutability.is_some() {
        return None;
    }
    let Type::Slice(s) = &*r.elem else {
        return None;
    };
    let elem = &*s.elem;
    if is_path(elem, "f64") {
        return Some(DataType::Reals);
    }
    if is_path(elem, "i64") {
        return Some(DataType::Ints);
    }
    if is_path(elem, "usize") {
        return Some(DataType::Indices);
    }
    if let Type::Path(p) = elem {
        let last = p.path.segments.last()?;
        if p.path.segments.len() == 1 && last.ident == "Vec" {
            if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                    if a.args.len() == 1 && is_path(t, "f64") {
                        return Some(DataType::Rows);
                    }
                }
            }
        }
    }
    None
}

/// Reads the data arguments of a model function, reporting every unsupported one.
pub fn parse_signature(sig: &syn::Signature, diag: &mut Diagnostics) -> Vec<DataArg> {
    if let Some(a) = &sig.asyncness {
        diag.error_at(a, "a model cannot be `async`: write a plain `fn`");
    }
    if !sig.generics.params.is_empty() {
        diag.error_at(
            &sig.generics,
            "a model cannot be generic: its data arguments have fixed types (f64, &[f64], ...)",
        );
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        diag.error_at(ty, "a model returns nothing: its log density is built with `sample`, `observe` and `factor`");
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => diag.error_at(r, "a model is a free function: remove `self`"),
            FnArg::Typed(pt) => {
                let Pat::Ident(pi) = &*pt.pat else {
                    diag.error_at(
                        &pt.pat,
                        "data arguments must be plain names, e.g. `y: &[f64]`",
                    );
                    continue;
                };
                if pi.by_ref.is_some() || pi.subpat.is_some() {
                    diag.error_at(
                        &pt.pat,
                        "data arguments must be plain names, e.g. `y: &[f64]`",
                    );
                    continue;
                }
                if pi.mutability.is_some() {
                    diag.error_at(&pt.pat, "data arguments are read-only: remove `mut` (copy into a local with `let mut` if needed)");
                    continue;
                }
                match classify(&pt.ty) {
                    Some(ty) => args.push(DataArg {
                        name: pi.ident.clone(),
                        ty,
                    }),
                    None => diag.error_at(&pt.ty, format!("unsupported data type: {SUPPORTED}")),
                }
            }
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sig: &str) -> (Vec<DataArg>, Result<(), String>) {
        let f: syn::ItemFn = syn::parse_str(&format!("{sig} {{}}")).unwrap();
        let mut d = Diagnostics::new();
        let args = parse_signature(&f.sig, &mut d);
        (args, d.finish().map_err(|e| e.to_string()))
    }

    #[test]
    fn supported_types_are_classified() {
        let (args, r) = parse("fn m(a: f64, b: i64, c: usize, d: bool, e: &[f64], f: &[i64], g: &[usize], h: &[Vec<f64>])");
        assert!(r.is_ok());
        let tys: Vec<_> = args.iter().map(|a| a.ty.written()).collect();
        assert_eq!(
            tys,
            [
                "f64",
                "i64",
                "usize",
                "bool",
                "&[f64]",
                "&[i64]",
                "&[usize]",
                "&[Vec<f64>]"
            ]
        );
    }

    #[test]
    fn unsupported_signatures_are_errors() {
        assert!(parse("fn m(a: f32)")
            .1
            .unwrap_err()
            .starts_with("unsupported data type"));
        assert!(parse("fn m(a: &mut [f64])").1.is_err());
        assert!(parse("fn m(mut a: f64)")
            .1
            .unwrap_err()
            .contains("read-only"));
        assert!(parse("fn m() -> f64")
            .1
            .unwrap_err()
            .contains("returns nothing"));
        assert!(parse("fn m<T>(a: T)").1.is_err());
    }
}
