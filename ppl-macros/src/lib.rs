//! The `#[model]` compiler of the `ppl` library (parse → IR → analyses → code generation).
//!
//! This crate is being built (see the project's status table in the README); it exports
//! no macro yet. This page records the code-generation design it implements.
//!
//! # Code generation design
//!
//! Every mode is generated as a function generic over `S: ppl::Scalar`:
//!
//! * **primal** `log_density::<S>`: the body with sample sites replaced by reads of `x`
//!   through their transforms, passive values lifted (`S::cst`) where they meet active
//!   ones. At `S = f64` it is the log density; at `S = Dual` it is the **JVP**.
//! * **VJP** `gradient::<S>`: a forward sweep followed by a reverse sweep. At `S = f64` it
//!   is the gradient; at `S = Dual` it is the **Hessian-vector product** (forward over
//!   reverse), with no extra code.
//!
//! ## Reverse mode without a tape
//!
//! The body is a tree of *regions*: the top level, each loop body, each branch.
//!
//! * **Top level.** Straight-line code: the forward sweep keeps every intermediate in a
//!   fresh local; the reverse sweep follows in the same Rust scope and reads them.
//! * **Fused regions.** A loop whose iterations touch no active state defined outside it
//!   except the log density (the typical likelihood loop `for n { observe(...) }`) is
//!   differentiated *inside* each iteration: the adjoint of the log density is the seed,
//!   known up front, so each iteration runs its forward statements and then their
//!   adjoints, accumulating into the adjoints of outer values. No stack, no second pass.
//! * **Recorded regions.** A loop that carries active state from one iteration to the next
//!   (a GARCH volatility, an adstock, a vector written element by element) runs in the
//!   forward sweep as plain primal code, pushing only a checkpoint per iteration: the
//!   values of the outer variables it overwrites (on the typed value stack) and a journal
//!   of overwritten vector elements (index and old value). A `while` loop also pushes its
//!   trip count; an `if` pushes the branch taken. The reverse sweep walks the iterations
//!   backwards; for each it undoes the iteration's element writes from the journal,
//!   restores the checkpoint, replays the body as a forward sweep (intermediates in
//!   locals, nested regions recorded) and runs the body's reverse sweep. A `for` over a
//!   range of data needs no trip count: the reverse loop recomputes it.
//! * **Regions that need no checkpoint.** A `for` over an index range whose only outer
//!   effect is `acc += e` into one active scalar is a reduction: forward a sum with four
//!   independent lanes, reverse the rules of `e` seeded with `acc_bar`; data rows indexed
//!   by the loop variable are taken once and active vectors length-checked once, so both
//!   loops run without bounds checks. A local vector written only by `v[i] = e`,
//!   `v[i] += e`, `v[i] -= e` (not reading `v`) and read only after its last write is
//!   never journaled: its writers do not read it and its readers see its final state.
//!   Loops writing only such vectors run forward as plain loops, and backwards as replays.
//!
//! The stacks live in the caller's `Workspace`, so after the first call nothing
//! allocates. Each primitive's reverse rule comes from `ppl-core` by the naming convention
//! `f` → `f_vjp`; the macro maps syntax to rules and never differentiates a formula itself.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod analysis;
mod codegen;
mod diagnostics;
mod expand;
mod ir;
mod parse;
mod runtime_paths;

use proc_macro::TokenStream;

/// Compiles a model function into a struct implementing `ppl::Model`: log density,
/// gradient (reverse mode), JVP, Hessian-vector product, constrain/unconstrain and
/// simulation. See the crate documentation of `ppl` for the model language.
#[proc_macro_attribute]
pub fn model(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::model(attr.into(), item.into()).into()
}
