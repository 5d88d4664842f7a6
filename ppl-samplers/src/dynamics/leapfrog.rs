//! One leapfrog step of the Hamiltonian flow, with a three-way outcome: ok, divergence
//! (a recoverable numerical failure), or a fatal model error.

use super::{Metric, Point};
use crate::error::is_recoverable;
use ppl_core::{Error, Model, Workspace};

/// Why a trajectory diverged.
#[derive(Clone, Debug, PartialEq)]
pub enum Divergence {
    /// The log density was `-∞` or NaN, or a gradient entry was not finite.
    NonFinite,
    /// The model reported a recoverable numerical failure (see
    /// [`is_recoverable`](crate::is_recoverable)).
    Model(Error),
    /// The energy error `H − H₀` exceeded the limit (1000 by default).
    EnergyError(f64),
}

/// The outcome of a leapfrog step.
#[derive(Clone, Debug, PartialEq)]
pub enum LeapfrogOutcome {
    /// The step succeeded; the point holds the new state.
    Ok,
    /// The step hit a numerical failure: the trajectory diverged.
    Divergent(Divergence),
    /// The model failed in a way that is not numerical; the chain must stop.
    Fatal(Error),
}

/// Evaluates `log π(q)` and its gradient at `point.q` into the point (the energy is not
/// updated). Non-finite values are a divergence, recoverable model errors too.
pub fn evaluate<M: Model + ?Sized>(
    model: &M,
    ws: &mut Workspace,
    point: &mut Point,
) -> LeapfrogOutcome {
    match model.log_density_gradient_in(&point.q, &mut point.grad, ws) {
        Ok(lp) => {
            point.log_density = lp;
            if lp.is_finite() && point.grad.iter().all(|g| g.is_finite()) {
                LeapfrogOutcome::Ok
            } else {
                point.log_density = f64::NEG_INFINITY;
                LeapfrogOutcome::Divergent(Divergence::NonFinite)
            }
        }
        Err(e) => {
            point.log_density = f64::NEG_INFINITY;
            if is_recoverable(&e) {
                LeapfrogOutcome::Divergent(Divergence::Model(e))
            } else {
                LeapfrogOutcome::Fatal(e)
            }
        }
    }
}

/// One leapfrog step of size `step` (negative to integrate backwards), in place.
///
/// # Formula
///
/// ```text
/// p ← p + (ε/2) ∇log π(q)
/// q ← q + ε M⁻¹ p
/// p ← p + (ε/2) ∇log π(q)
/// ```
///
/// On a divergence the point's energy is `+∞`; on success velocity and energy are
/// updated.
pub fn leapfrog<M: Model + ?Sized>(
    model: &M,
    ws: &mut Workspace,
    metric: &Metric,
    point: &mut Point,
    step: f64,
) -> LeapfrogOutcome {
    let half = 0.5 * step;
    for (p, g) in point.p.iter_mut().zip(&point.grad) {
        *p += half * g;
    }
    metric.velocity(&point.p, &mut point.velocity);
    for (q, v) in point.q.iter_mut().zip(&point.velocity) {
        *q += step * v;
    }
    let outcome = evaluate(model, ws, point);
    if outcome != LeapfrogOutcome::Ok {
        point.energy = f64::INFINITY;
        return outcome;
    }
    for (p, g) in point.p.iter_mut().zip(&point.grad) {
        *p += half * g;
    }
    point.update_energy(metric);
    LeapfrogOutcome::Ok
}
