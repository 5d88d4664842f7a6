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
//! * **`break` / `continue`.** In a loop that computes parameter-dependent values, each
//!   `break`/`continue` (not those of nested loops) becomes an assignment of a per-iteration
//!   flag `exit` (and, for `break`, of a loop flag `brk`), and the statements after one that
//!   may set `exit` run under `if !exit { .. }`. The skipped rest of an iteration is then an
//!   ordinary branch: fused (condition recomputed in the same scope) or recorded (the arm
//!   taken pushed), so the reverse sweep replays exactly the forward path, whether the exit
//!   condition reads data or parameter values (the derivative is that of the path taken).
//!   `brk` ends the loop after its iteration; a recorded or accumulating `for` then keeps
//!   its trip count (pushed, as a `while` does) and its reverse walks back only the
//!   iterations that ran (`rev().skip(len - trips)`, resp. `take(trips)`). Labelled
//!   `break`/`continue` are a compile error.
//!
//! ## Vector-valued sites and observations
//!
//! `sample("theta", Dirichlet(alpha))` (a simplex: `K - 1` unconstrained coordinates,
//! stick-breaking), `sample("z", MultiNormal(mu, L))` (a real `n`-vector, identity; `L` is
//! the lower Cholesky factor of the covariance, `n × n` row-major, as in `ppl-core`) and
//! `sample("L", LkjCholesky(k, eta))` (the Cholesky factor of a `k × k` correlation matrix:
//! `k(k-1)/2` coordinates, canonical partial correlations). Their values are vectors; a
//! matrix is stored row-major and read as `L[i * k + j]` (output names `L[0]` … `L[k²-1]`),
//! and can be passed by name where a Cholesky factor is expected (`MultiNormal(mu, L)`).
//! The prior's log density and the log-Jacobian are added at the site. Vector arguments
//! are data (a slice, rows of a data matrix taken row by row, `vec![..]` of data), lifted
//! into workspace buffers of the scalar type (no allocation after warm-up), or the vector
//! of an earlier sample site by name (its adjoint receives the prior's partials; the site
//! shapes stay computable from data). `eta` may be a parameter. `observe` takes the same
//! families with data values (and `Categorical`/`CategoricalLogit` with parameter
//! vectors: a site or any local parameter-dependent vector by name); `simulate` draws
//! sites from their priors and observations from their distributions. Discrete
//! distributions at sample sites are a compile error (marginalise them), as is `.iid(n)`
//! of a vector family. See `codegen/vector_sites.rs`.
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
