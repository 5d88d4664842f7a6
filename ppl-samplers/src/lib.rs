//! Samplers for `ppl` models: NUTS and static HMC with Stan's warm-up, chains on rayon,
//! and the convergence diagnostics of Vehtari et al. (2021); generic over
//! [`ppl_core::Model`] so the model's gradient is inlined into the integrator.
//!
//! ```text
//! let fit = Nuts::new().chains(4).warmup(1000).draws(1000).seed(42).run(&model)?;
//! println!("{}", fit.summary());
//! let tau: Vec<f64> = fit.draws("tau");
//! ```
//!
//! # Choices (where Stan, NumPyro and PyMC differ, we follow Stan)
//!
//! * NUTS is Stan's (≥ 2.26) multinomial NUTS: biased progressive sampling at the top,
//!   uniform within subtrees, generalised U-turn criterion with the two extra checks
//!   across merged subtrees, divergence at an energy error above 1000. No step-size
//!   jitter.
//! * Warm-up: dual averaging (δ = 0.8, γ = 0.05, t₀ = 10, κ = 0.75, μ = log(10 ε₀) with
//!   the initial step size ε₀ = 1, then μ = log(10 ε) after each metric update, ε from
//!   the step-size heuristic); windows 75 / 25 doubling / 50, shrunk for short warm-ups
//!   as Stan does; Welford estimates regularised by `(n/(n+5))·Σ + 1e−3·(5/(n+5))·I`.
//!   Other adaptations plug in through [`WarmupStrategy`].
//! * Recoverable numerical failures of the model ([`is_recoverable`]) and non-finite
//!   log densities or gradients are divergences; other model errors stop the chain, which
//!   is then reported in [`Fit::failed_chains`] while the other chains are kept.
//! * Chain `k` draws from ChaCha8 keyed by the seed on stream `k`: results are
//!   bit-identical for any number of rayon threads.
//! * Diagnostics follow ArviZ's formulas (tested against it), except that R-hat also
//!   works on a single chain.
//!
//! # Outputs
//!
//! * In memory ([`Fit`], [`ChainDraws`]): constrained and unconstrained draws, per-draw
//!   [`SamplerStats`], warm-up draws with `.save_warmup(true)`, every divergence with the
//!   point where it started ([`DivergentTransition`]), the [`WarmupReport`] (step size
//!   per iteration, metric and step sizes at each window end) and timings.
//! * [`Fit::summary`]: the table, then CmdStan-`diagnose`-style warnings for divergences,
//!   tree-depth saturation, low E-BFMI, high R-hat and low ESS ([`Diagnostics`]).
//! * Stan CSV ([`Fit::write_stan_csv`], or streamed during the run with
//!   `.output_csv(prefix)`): one file per chain in CmdStan's layout, read by cmdstanpy
//!   and ArviZ (checked by `tests/reference/check_stan_csv.py`) and by [`StanCsv`].
//!   Numbers are printed to round-trip exactly.
//! * A progress bar per chain on stderr (iterations, phase, divergences), shown only when
//!   stderr is a terminal; `.progress(false)` turns it off.
//!
//! None of the outputs touch a chain's RNG: draws are identical with or without them.
//!
//! ```text
//! let fit = Nuts::new().seed(1).save_warmup(true).output_csv("out/model").run(&model)?;
//! println!("{}", fit.summary());              // table + diagnostics warnings
//! for d in &fit.chains()[0].divergences { println!("{:?}", d.constrained); }
//! ```
//!
//! # Dependencies
//!
//! `rand`/`rand_distr` (normal momenta), `rand_chacha` (a seekable stream RNG for
//! reproducible parallel chains), `rayon` (chains in parallel), `thiserror` (errors),
//! `indicatif` (the progress bars: several bars redrawn in place from several threads,
//! rate-limited, with terminal detection and width handling, is more than a few lines to
//! get right; it is the standard, maintained crate for it, used without its default
//! `wasmbind` feature). Autocovariances are computed lag by lag (only the lags Geyer's
//! truncation needs), so no FFT crate is needed; the dense metric's Cholesky factor is a
//! few lines here. Stan CSV is written and parsed here (a line-oriented format, no CSV
//! crate needed).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// `!(a > b)` is deliberate throughout: it is true for NaN, which must count as failure.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Index loops are clearer than zipped iterators in the matrix code.
#![allow(clippy::needless_range_loop)]

mod adaptation;
mod builder;
mod chains;
pub mod diagnostics;
mod dynamics;
mod error;
mod hmc;
mod nuts;
mod output;
mod sampler_stats;
#[cfg(test)]
pub(crate) mod test_models;

pub use adaptation::{
    AdaptUpdate, DualAverage, DualAverageOptions, MetricKind, StanWarmup, WarmupStrategy,
    WelfordCovariance, WelfordVariance, WindowOptions, WindowSchedule,
};
pub use dynamics::{
    evaluate, leapfrog, DenseMetric, DiagonalMetric, Divergence, LeapfrogOutcome, Metric, Point,
};
pub use error::{is_recoverable, ChainError, ChainFailure, Result, SamplerError};
pub use hmc::Hmc;
pub use nuts::Nuts;
pub use output::{
    stan_name, Algorithm, ChainDraws, ChainTiming, Diagnostics, DivergentTransition, Fit,
    MetricUpdate, RunSettings, StanCsv, Summary, SummaryRow, WarmupReport, ESS_PER_CHAIN_THRESHOLD,
    E_BFMI_THRESHOLD, RHAT_THRESHOLD, STAN_CSV_STAT_COLUMNS,
};
pub use sampler_stats::SamplerStats;
