//! Static HMC: a fixed number of leapfrog steps and a Metropolis correction.

use crate::dynamics::{leapfrog, Divergence, LeapfrogOutcome, Point};
use crate::nuts::tree::Hamiltonian;
use crate::sampler_stats::{DivergenceStart, SamplerStats, Transition};
use ppl_core::{Error, Model};
use rand::Rng;

/// One static-HMC transition of `n_steps` leapfrog steps from `z` (current), in place.
///
/// # Formula
///
/// ```text
/// p ~ N(0, M);  (q*, p*) = leapfrog^L(q, p);  accept with probability min(1, exp(H₀ − H*))
/// ```
///
/// A trajectory that fails numerically or whose energy error exceeds
/// `max_energy_error` is divergent and rejected (acceptance statistic 0); it is reported
/// at the point where the model failed, or at the end of the trajectory (where the energy
/// error is checked, as in Stan).
pub(crate) fn transition<M: Model + ?Sized, R: Rng + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    n_steps: usize,
    max_energy_error: f64,
    step_size: f64,
    z: &mut Point,
    rng: &mut R,
) -> Result<Transition, Error> {
    z.resample_momentum(&h.metric, rng);
    let h0 = z.energy;
    let mut proposal = h.scratch.point_from(z);
    let mut failure = None;
    let mut n_leapfrog = 0;
    for _ in 0..n_steps {
        let outcome = leapfrog(h.model, &mut h.ws, &h.metric, &mut proposal, step_size);
        n_leapfrog += 1;
        match outcome {
            LeapfrogOutcome::Ok => {}
            LeapfrogOutcome::Divergent(d) => {
                failure = Some(d);
                break;
            }
            LeapfrogOutcome::Fatal(e) => {
                h.scratch.give_point(proposal);
                return Err(e);
            }
        }
    }
    let energy = if failure.is_some() {
        f64::INFINITY
    } else {
        proposal.energy
    };
    let divergent = !(energy - h0 <= max_energy_error);
    let divergence = divergent.then(|| DivergenceStart {
        position: proposal.q.clone(),
        reason: failure.unwrap_or(Divergence::EnergyError(energy - h0)),
    });
    let accept_stat = if divergent {
        0.0
    } else {
        (h0 - energy).exp().min(1.0)
    };
    if rng.random::<f64>() < accept_stat {
        z.copy_from(&proposal);
    }
    h.scratch.give_point(proposal);
    Ok(Transition {
        stats: SamplerStats {
            log_density: z.log_density,
            accept_stat,
            step_size,
            tree_depth: 0,
            n_leapfrog,
            divergent,
            energy: z.energy,
        },
        divergence,
    })
}

use crate::builder::run_option_methods;
use crate::chains::runner::{self, Algorithm, RunOptions};
use crate::output::Fit;

/// Static HMC with a fixed number of leapfrog steps and Stan's warm-up.
///
/// Defaults as [`Nuts`](crate::Nuts); `n_steps` is required.
///
/// # Examples
///
/// ```no_run
/// # fn f(model: &impl ppl_core::Model) -> Result<(), ppl_samplers::SamplerError> {
/// let fit = ppl_samplers::Hmc::new(16).seed(1).run(model)?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Hmc {
    run: RunOptions,
    n_steps: usize,
}

impl Hmc {
    /// HMC with `n_steps` leapfrog steps per transition.
    pub fn new(n_steps: usize) -> Self {
        Self {
            run: RunOptions::default(),
            n_steps,
        }
    }

    run_option_methods!();

    /// Runs the chains (errors as [`Nuts::run`](crate::Nuts::run)).
    pub fn run<M: Model + ?Sized>(&self, model: &M) -> crate::error::Result<Fit> {
        runner::run(
            model,
            &self.run,
            Algorithm::Hmc {
                n_steps: self.n_steps,
            },
        )
    }
}
