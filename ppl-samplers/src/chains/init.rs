//! Initial points (uniform on a box, retried until finite) and Stan's initial step-size
//! heuristic.

use crate::dynamics::{evaluate, leapfrog, Divergence, LeapfrogOutcome, Point};
use crate::error::ChainFailure;
use crate::nuts::tree::Hamiltonian;
use ppl_core::Model;
use rand::Rng;

/// Draws `q ~ Uniform(−radius, radius)ⁿ` until `log π(q)` and its gradient are finite,
/// at most `max_tries` times.
///
/// # Errors
///
/// [`ChainFailure::Initialization`] naming the last problem (the model's message or the
/// non-finite value) after `max_tries` failures; [`ChainFailure::Model`] at once for a
/// fatal model error.
pub(crate) fn initial_point<M: Model + ?Sized, R: Rng + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    radius: f64,
    max_tries: usize,
    rng: &mut R,
) -> Result<Point, ChainFailure> {
    let mut point = Point::new(h.model.dim());
    let mut last_problem = String::from("no point was tried");
    for _ in 0..max_tries {
        for q in point.q.iter_mut() {
            *q = rng.random_range(-radius..radius);
        }
        match evaluate(h.model, &mut h.ws, &mut point) {
            LeapfrogOutcome::Ok => {
                point.update_energy(&h.metric);
                return Ok(point);
            }
            LeapfrogOutcome::Divergent(Divergence::Model(e)) => {
                last_problem = format!("{e} at {:?}", point.q);
            }
            LeapfrogOutcome::Divergent(_) => {
                let mut grad_ok = true;
                let lp = h
                    .model
                    .log_density_gradient_in(&point.q, &mut point.grad, &mut h.ws)
                    .unwrap_or(f64::NAN);
                if !point.grad.iter().all(|g| g.is_finite()) {
                    grad_ok = false;
                }
                last_problem = if lp.is_finite() && !grad_ok {
                    format!("the gradient is not finite at {:?}", point.q)
                } else {
                    format!("the log density is {lp} at {:?}", point.q)
                };
            }
            LeapfrogOutcome::Fatal(e) => return Err(ChainFailure::Model(e)),
        }
    }
    Err(ChainFailure::Initialization {
        tries: max_tries,
        radius,
        last_problem,
    })
}

/// Stan's initial step-size heuristic (`base_hmc::init_stepsize`): from `step_size`,
/// doubles (or halves) it until the one-step acceptance `exp(H₀ − H)` with a fresh
/// momentum crosses 0.8. `z` is left unchanged.
///
/// # Errors
///
/// [`ChainFailure::StepSize`] when the step size exceeds `1e7` (improper posterior) or
/// underflows to 0; [`ChainFailure::Model`] for a fatal model error.
pub(crate) fn heuristic_step_size<M: Model + ?Sized, R: Rng + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    z: &Point,
    step_size: f64,
    rng: &mut R,
) -> Result<f64, ChainFailure> {
    if !(step_size > 0.0 && step_size <= 1e7) {
        return Ok(step_size);
    }
    let mut trial = h.scratch.point_from(z);
    let result = (|| {
        let log_target = 0.8f64.ln();
        let mut delta_h = |eps: f64, h: &mut Hamiltonian<'_, M>, rng: &mut R| {
            trial.copy_from(z);
            trial.resample_momentum(&h.metric, rng);
            let h0 = trial.energy;
            match leapfrog(h.model, &mut h.ws, &h.metric, &mut trial, eps) {
                LeapfrogOutcome::Ok => Ok(h0 - trial.energy),
                LeapfrogOutcome::Divergent(_) => Ok(f64::NEG_INFINITY),
                LeapfrogOutcome::Fatal(e) => Err(ChainFailure::Model(e)),
            }
        };
        let mut eps = step_size;
        let up = delta_h(eps, h, rng)? > log_target;
        loop {
            let dh = delta_h(eps, h, rng)?;
            if up && !(dh > log_target) || !up && !(dh < log_target) {
                return Ok(eps);
            }
            eps = if up { 2.0 * eps } else { 0.5 * eps };
            if eps > 1e7 {
                return Err(ChainFailure::StepSize(
                    "the step size grew beyond 1e7: the posterior is improper, check the model",
                ));
            }
            if eps == 0.0 {
                return Err(ChainFailure::StepSize(
                    "no acceptably small step size could be found: perhaps the posterior is \
                     not continuous",
                ));
            }
        }
    })();
    h.scratch.give_point(trial);
    result
}
