//! Every path into `::ppl::__private` that generated code uses, in one place, so the
//! generated code names only `::ppl` paths and works from a crate that depends on `ppl`
//! alone.

use proc_macro2::TokenStream;
use quote::quote;

/// `::ppl::__private`
pub fn root() -> TokenStream {
    quote!(::ppl::__private)
}
/// The `Scalar` trait.
pub fn scalar() -> TokenStream {
    quote!(::ppl::__private::Scalar)
}
/// The `ScalarMath` trait (methods `exp`, `ln`, ... on any scalar).
pub fn scalar_math() -> TokenStream {
    quote!(::ppl::__private::ScalarMath)
}
/// The math module (primitives and their `_vjp` rules).
pub fn math() -> TokenStream {
    quote!(::ppl::__private::math)
}
/// The distributions module.
pub fn dist() -> TokenStream {
    quote!(::ppl::__private::dist)
}
/// The transforms module.
pub fn transforms() -> TokenStream {
    quote!(::ppl::__private::tr)
}
/// The error type.
pub fn error() -> TokenStream {
    quote!(::ppl::__private::Error)
}
/// `Result<T, Error>`.
pub fn result() -> TokenStream {
    quote!(::ppl::__private::Result)
}
/// The `Model` trait.
pub fn model_trait() -> TokenStream {
    quote!(::ppl::__private::Model)
}
/// The reusable workspace.
pub fn workspace() -> TokenStream {
    quote!(::ppl::__private::Workspace)
}
/// Typed stacks of one scalar type.
pub fn stacks() -> TokenStream {
    quote!(::ppl::__private::Stacks)
}
/// `Dual`.
pub fn dual() -> TokenStream {
    quote!(::ppl::__private::Dual)
}
/// Reverse rules of the arithmetic operators.
pub fn ops() -> TokenStream {
    quote!(::ppl::__private::ops)
}
/// `::ppl::__private::rule`, every token spanned at `span` (the helper call, so that the
/// "has no derivative rule" error points at the user's function).
pub fn rule_at(span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> ::ppl::__private::rule)
}
/// `::ppl::__private::scalar_result`, spanned at the helper call.
pub fn scalar_result_at(span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> ::ppl::__private::scalar_result)
}
/// `::ppl::__private::vector_result`, spanned at the helper call.
pub fn vector_result_at(span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> ::ppl::__private::vector_result)
}
/// The `ScalarAdjoint` trait (result and adjoint of a real helper's reverse rule).
pub fn scalar_adjoint() -> TokenStream {
    quote!(::ppl::__private::ScalarAdjoint)
}
/// The `VectorAdjoint` trait (result and adjoint of a vector helper's reverse rule).
pub fn vector_adjoint() -> TokenStream {
    quote!(::ppl::__private::VectorAdjoint)
}
/// The `IntoArg` trait (passive helper arguments of unknown type).
pub fn into_arg() -> TokenStream {
    quote!(::ppl::__private::IntoArg)
}
/// The `ScalarSink` trait (adjoint of a real argument of a helper's reverse rule).
pub fn scalar_sink() -> TokenStream {
    quote!(::ppl::__private::ScalarSink)
}
/// `Discard`: the sink of an argument without an adjoint.
pub fn discard() -> TokenStream {
    quote!(::ppl::__private::Discard)
}
