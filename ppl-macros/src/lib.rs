//! The `#[model]` compiler of the `ppl` library (parse → IR → analyses → code generation).
//!
//! This page records the code-generation design it implements; the model language is
//! documented in the `ppl` crate.
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
//! * **constrain** (on `f64`, once per draw): the primal of the body without its
//!   likelihood. `observe`/`factor` statements and every statement only they need are
//!   pruned (`ir::prune`: a flow-insensitive liveness fixpoint from the sample sites and
//!   deterministics; `break`/`continue` and passive statements stay).
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
//! * **Regions that need no checkpoint.** A `for` over an index range whose only outer
//!   effect is `acc += e` into one active scalar is a reduction: forward a sum with four
//!   independent lanes, reverse the rules of `e` seeded with `acc_bar`; data rows indexed
//!   by the loop variable are taken once and active vectors length-checked once, so both
//!   loops run without bounds checks. A local vector written only by `v[i] = e`,
//!   `v[i] += e`, `v[i] -= e` (not reading `v`) and read only after its last write is
//!   never journaled: its writers do not read it and its readers see its final state.
//!   Loops writing only such vectors run forward as plain loops, and backwards as replays.
//!   A reduction that is a dot product of a data row and an active vector
//!   (`eta += x[n][k] * beta[k]`) calls `ppl::math::dot_data` and its reverse rule, in the
//!   primal too.
//! * **Gathered likelihood loops** (`ir::fission`, reverse mode only). In a top-level
//!   `for n in 0..y.len()` without exits, `observe(.., BernoulliLogit(eta), y[n])` becomes
//!   `gathered[n] = eta` in the loop and, after it, one vectorised observe of `y`, whose
//!   slice rule runs the SIMD kernel over all observations (run-time AVX2, results
//!   bit-identical to SSE2): the per-observation `exp`/`log1p` no longer sit on the
//!   loop's dependency chain. Only families whose terms cost transcendental functions
//!   gain: gathering a `Normal` loop measured slower, so it is not done.
//! * **Data-only terms once.** Sample sites (scalar, and `.iid(n)` with data
//!   parameters) and `Normal` observes that run the same number of times in every call
//!   (not under an `if`/`while` on a parameter, not in a loop with `break`/`continue`)
//!   ask their rule to leave out the terms that depend only on data arguments
//!   (`Needed::NO_CONSTANT`: a data scale's `-ln σ - ½ ln 2π`, a data gamma shape's
//!   `-ln Γ(α)`, data beta shapes' `-ln B(α, β)`); the first gradient call sums those
//!   terms (`lpdf_constant`) into a per-model `OnceLock`, and every call adds the sum.
//!   Per gradient: linreg_tan 0.47 → 0.20 µs (no logarithm per observation),
//!   eight_schools_nc 0.137 → 0.099, poisson_counting 0.134 → 0.081 (no `ln Γ`). The
//!   primal keeps the full terms.
//! * **Replays skip finished writes.** The forward pass of a recorded region inside a
//!   replay only rebuilds checkpoints: its writes to unjournaled vectors (already made by
//!   the first forward sweep, whose final state every reader sees) are left out.
//! * **Replays reuse end-of-iteration values.** In a recorded loop, a carried scalar whose
//!   last write in the body is a top-level `v = e` (or `v op= e`) ends iteration `t` with
//!   the value it starts iteration `t + 1` with, which the reverse sweep has restored just
//!   before replaying iteration `t`: the replay copies it instead of computing `e`'s root
//!   operation again (a GARCH loop's `sqrt`).
//! * **Checkpoints recorded by the first pass.** A loop that writes only unjournaled
//!   vectors (a marketing-mix loop over channels) runs forward as a plain loop and
//!   backwards as replays of its iterations; the recorded loops at the top level of its
//!   body (each channel's adstock recursion) push their checkpoints already in that first
//!   forward loop, and at the end of each iteration their final values (the last loop's
//!   first). The replay then takes the final values from the stack instead of running each
//!   recursion forward a second time. When the body has only one such loop, it writes its
//!   checkpoints and then its final values into value slots appended before it
//!   (`Stacks::append_values`, sized by the iterator's `trip_count`) instead of pushing:
//!   with no reallocation call in or after the loop, LLVM keeps the carried values in
//!   registers (mmm_adstock −21 %).
//! * **Loop-local sums.** A fused loop, and the replay of a loop that writes only
//!   unjournaled vectors, add into locals that are added to the outer adjoints (and, for a
//!   fused loop, the log density) after it (an accumulator live across the calls around
//!   the loop would otherwise be kept in memory, a store-to-load round trip per iteration).
//! * **Summed normal likelihoods.** A top-level `observe(.., Normal(μ, σ), y)` of a fused
//!   loop whose `σ` is an active scalar variable declared outside the loop (so the same in
//!   every iteration) goes through a `ppl_core::distributions::NormalSums` declared before
//!   the loop: per observation only `z = (y − μ)/σ` and `∂/∂μ = z/σ`; the log density
//!   `−½ Σz² − N (ln σ + ½ ln 2π)` and `∂/∂σ = (Σz² − N)/σ` come from one running sum after
//!   the loop (hier_radon_like −17 %, mmm_adstock −7 %).
//! * **Known logarithms.** A scalar site under the log transform (`Support::Positive`:
//!   `y = eˣ`) calls `lpdf_grad_ln(y, x, ..)`: `Gamma` and `LogNormal` use `x` as `ln y`
//!   instead of taking a logarithm (and `Gamma` with data shape and rate leaves `α ln β`
//!   to the per-model constant; `HalfCauchy` takes `ln(1 + w)`, `w ≤ 1`, as `ln` of the
//!   rounded sum, to 2ε absolute: eight_schools_nc −5 %): poisson_counting 0.068 → 0.049 µs together with the
//!   interval transform's `ln(1 + e^(−|x|))` taken as `ln` of the rounded sum (glibc's
//!   `log` is much cheaper than its `log1p` on a dependency chain).
//! * **Index data taken once.** A fused loop over `lo..hi` without exits takes the integer
//!   data and data rows it indexes by its variable once before it (`&g[..hi]`), so
//!   `g[n]` of a gather `a[g[n]]` and `x[n]` are not bounds-checked in the loop
//!   (hier_radon_like −5 %). Real data slices are left alone (slower on short loops).
//! * **AVX2 build.** A model whose gradient has long vectorisable loops over data (summed
//!   normal likelihoods, vectorised observations, dot products of data rows) and records
//!   no recursion implements `GradientBody` and runs its gradient through
//!   `ppl_core::math::gradient_with_avx2`: a second build of the body with AVX2 enabled
//!   (not FMA), taken when the CPU has AVX2, with the same results bit for bit (tested;
//!   the draws of the eight benchmark models hash the same). hier_radon_like −11 %,
//!   logistic −11 %; for the other models the extra call costs more than it gains.
//! * **No zeroing pass.** Every coordinate of the gradient is written, not added to, by
//!   the reverse rule of its sample site (`grad[i] = x̄`, `constrain_vjp_slice_set`; a
//!   vector-valued site zeroes its own range before its rule accumulates), which runs
//!   exactly once since sites are top-level statements: the buffer is not zeroed first
//!   (gauss50 −13 %, hier_radon_like −9 %, mmm_adstock −10 %; tested with a NaN-filled
//!   buffer).
//! * **I.i.d. priors in one pass.** A `.iid(n)` site with constant parameters calls the
//!   distribution's `lpdf_grad_values` over all values (`Normal`: one branch-free pass,
//!   falling back to the checked per-value rule only when the sum is not finite), and under
//!   the identity transform reads the slice of `x` itself (no copy).
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

//!
//! # Helpers: `#[differentiable]` and `#[custom_derivative]`
//!
//! A proc macro on a model cannot see the definition of a function it calls, so a helper
//! macro makes the function *findable by value*. `#[differentiable] fn foo(..) -> R`
//! expands to
//!
//! * `const foo: __ppl_helper_foo`, a zero-sized value that dereferences to the plain
//!   `fn(..) -> R` (the user's body, unchanged): ordinary Rust still writes `foo(2.0)`,
//!   imports `foo`, calls it through paths;
//! * `impl ppl::__private::Helper for __ppl_helper_foo`, and inherent methods
//!   `__ppl_value::<S>(args.., stacks, base) -> S` (or `Vec<S>`) and
//!   `__ppl_vjp::<S>(args.., y, y_bar, sinks.., stacks, base)`: the rule convention of
//!   `ppl-core` (value generic over `S`, reverse rule accumulating adjoints; `Dual` gives
//!   the JVP and the second order).
//!
//! A model compiles a call `f(args)` of a function with no built-in rule into
//! `::ppl::__private::rule(&f).__ppl_value::<S>(..)` (primal) and `.__ppl_vjp::<S>(..)`
//! (reverse sweep), exactly like a primitive (`codegen/helper_call.rs`). `rule` requires
//! `Helper`, whose `#[diagnostic::on_unimplemented]` message makes an unmarked function
//! a single error at the call: "`fn(f64) -> f64 {foo}` has no derivative rule: mark it
//! `#[differentiable]` or give it a `#[custom_derivative]`" (rustc names the function by
//! its fn-item type). A result bound with the wrong shape (a vector helper bound as a
//! real, a real helper bound as `Vec<f64>`) is an error at the call saying how to bind it
//! (the traits `ScalarResult`/`VectorResult` at the value, `ScalarAdjoint`/`VectorAdjoint`
//! at the reverse rule). A call of a known function with the wrong arity also falls
//! through to this path and reports "has no derivative rule".
//!
//! At a call, each argument is classified: active real (its linearised value and adjoint),
//! data real (lifted, adjoint discarded), active vector by name (borrowed `&v[..]`, its
//! adjoint passed as `SliceBar(&mut v_bar[..])`), data vector or data row (copied into a
//! lifted scratch buffer, with a scratch adjoint), anything else (integers, booleans,
//! integer slices, `f64` loop variables whose type the model does not track) converted to
//! the parameter's type by `IntoArg`. The reverse rule takes one sink per argument
//! (`&mut S`, `SliceBar`, or `Discard` for an argument without an adjoint), so a real the
//! model takes for an integer still type-checks.
//!
//! The helper body goes through the model pipeline with its real arguments (`f64`,
//! `&[f64]`) as the active inputs in place of sample sites (`activity::analyse_helper`):
//! the value rule is the primal generator's code, the reverse rule is
//! `VjpGen::function_body_seeded`, which adds `y_bar` to the adjoint of the result between
//! the forward and reverse sweeps; argument adjoints are then added to the caller's sinks.
//! Early `return` is lowered before the IR: a result variable and an exit flag, with
//! everything after a statement that may return wrapped in `if !done { .. }`, `while`
//! conditions extended to `!done && cond`, and `for` bodies guarded by `if !done` — only
//! control flow the compiler already differentiates (recorded regions with checkpoints).
//!
//! **Scratch space.** Helpers run on the caller's `Stacks`: pushes and pops are balanced
//! within each rule call. Scratch vectors use slots from a base past every slot of the
//! caller: each generated function binds `__helper_base` to one past the largest slot its
//! own code takes (`helper_call::slots_used`); a helper sees its caller's stacks through
//! `OffsetStacks` (slot `k` is the caller's `base + k`) and passes `base + its own slots`
//! to the helpers it calls. So after warm-up, scalar helpers allocate nothing; a helper
//! returning `Vec<f64>` allocates its result.
//!
//! `#[custom_derivative(partials = g)] fn f(x1: f64, ..) -> f64` gives the same shell;
//! the value rule evaluates `f` on the primal values and adds `Σ ∂_i (x_i - value(x_i))`
//! (zero at `f64`, the tangent at `Dual`) with `(∂_1, ..) = g(x1, .., y)`; the reverse
//! rule adds `y_bar ∂_i` to each sink, with `y` carrying its tangent so that `Dual` gives
//! the second order through `g`.
//!
//! Restrictions: helpers are free, non-generic functions; real arguments are immutable;
//! a vector argument passed twice to the same call is a borrow error; vector helpers
//! have no early `return`; a `#[custom_derivative]` takes and returns `f64` only.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod analysis;
mod codegen;
mod diagnostics;
mod expand;
mod helper;
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

/// Makes a function callable from models with parameter values: the body (in the model
/// language, plus early `return`) is compiled into a value rule and a reverse rule, so a
/// model differentiates through it. Real arguments are `f64` or `&[f64]`; the result is
/// `f64` or `Vec<f64>`. Ordinary Rust still calls it with `f64`s. See the `ppl` crate
/// documentation.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    helper::differentiable(attr.into(), item.into()).into()
}

/// A primitive with a hand-written derivative:
/// `#[custom_derivative(partials = f_partials)] fn f(x1: f64, ..) -> f64`, where
/// `fn f_partials<S: Scalar>(x1: S, .., y: S) -> (S, ..)` gives `∂y/∂x_i` at the result
/// `y`. Models differentiate `f` with the partials, never through its body (an implicit
/// solve such as Kepler's equation). See the `ppl` crate documentation.
#[proc_macro_attribute]
pub fn custom_derivative(attr: TokenStream, item: TokenStream) -> TokenStream {
    helper::custom_derivative(attr.into(), item.into()).into()
}
