//! The NUTS sampler builder (settings with documented defaults) and its run.

pub(crate) mod tree;
mod uturn;

use crate::builder::run_option_methods;
use crate::chains::runner::{self, Algorithm, RunOptions};
use crate::error::Result;
use crate::output::Fit;
use ppl_core::Model;

/// The No-U-Turn Sampler with Stan's warm-up.
///
/// Defaults: 4 chains, 1000 warm-up iterations, 1000 draws, seed 0, diagonal metric,
/// target acceptance 0.8, maximum tree depth 10, divergence at an energy error of 1000.
///
/// # Examples
///
/// ```
/// use ppl_samplers::Nuts;
/// # use ppl_core::{Model, Workspace, SiteLayout, Simulation, Result};
/// # struct StdNormal;
/// # impl Model for StdNormal {
/// #     fn dim(&self) -> usize { 1 }
/// #     fn param_names(&self) -> Vec<String> { vec!["x".into()] }
/// #     fn layout(&self) -> Vec<SiteLayout> { vec![SiteLayout { name: "x".into(), unconstrained: 0..1, constrained: 0..1 }] }
/// #     fn log_density_in(&self, x: &[f64], _: &mut Workspace) -> Result<f64> { Ok(-0.5 * x[0] * x[0]) }
/// #     fn log_density_gradient_in(&self, x: &[f64], g: &mut [f64], _: &mut Workspace) -> Result<f64> { g[0] = -x[0]; Ok(-0.5 * x[0] * x[0]) }
/// #     fn log_density_jvp_in(&self, x: &[f64], v: &[f64], _: &mut Workspace) -> Result<(f64, f64)> { Ok((-0.5 * x[0] * x[0], -x[0] * v[0])) }
/// #     fn log_density_hvp_in(&self, x: &[f64], v: &[f64], o: &mut [f64], _: &mut Workspace) -> Result<f64> { o[0] = -v[0]; Ok(-0.5 * x[0] * x[0]) }
/// #     fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> { out.clear(); out.extend_from_slice(x); Ok(()) }
/// #     fn unconstrain(&self, v: &[(&str, &[f64])]) -> Result<Vec<f64>> { Ok(v[0].1.to_vec()) }
/// #     fn simulate(&self, rng: &mut dyn rand::RngCore, _: Option<&[f64]>) -> Result<Simulation> {
/// #         use rand_distr::Distribution;
/// #         let z: f64 = rand_distr::StandardNormal.sample(rng);
/// #         Ok(Simulation { unconstrained: vec![z], constrained: vec![z], observations: vec![] })
/// #     }
/// # }
/// let fit = Nuts::new().chains(2).warmup(200).draws(200).seed(42).run(&StdNormal)?;
/// let x = fit.draws("x");
/// assert_eq!(x.len(), 400);
/// assert_eq!(fit.num_divergences(), 0);
/// # Ok::<(), ppl_samplers::SamplerError>(())
/// ```
///
/// # References
///
/// Hoffman, M. D. & Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15.
/// Betancourt, M. (2017). A Conceptual Introduction to Hamiltonian Monte Carlo.
/// arXiv:1701.02434.
#[derive(Clone, Debug)]
pub struct Nuts {
    run: RunOptions,
    max_depth: usize,
}

impl Default for Nuts {
    fn default() -> Self {
        Self::new()
    }
}

impl Nuts {
    /// NUTS with the defaults above.
    pub fn new() -> Self {
        Self {
            run: RunOptions::default(),
            max_depth: 10,
        }
    }

    /// Maximum tree depth (default 10: at most 2¹⁰ − 1 leapfrog steps per draw).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }

    run_option_methods!();

    /// Runs the chains.
    ///
    /// # Errors
    ///
    /// [`SamplerError::InvalidSetting`](crate::SamplerError::InvalidSetting) for a
    /// setting out of range; [`SamplerError::AllChainsFailed`](crate::SamplerError::AllChainsFailed)
    /// when no chain finished (failures of some chains are in [`Fit::failed_chains`]).
    pub fn run<M: Model + ?Sized>(&self, model: &M) -> Result<Fit> {
        runner::run(
            model,
            &self.run,
            Algorithm::Nuts {
                max_depth: self.max_depth,
            },
        )
    }
}
