//! One NUTS transition: tree doubling with multinomial sampling (biased progressive
//! between the old tree and a new subtree, uniform within subtrees), the generalised
//! no-U-turn criterion with Stan's extra checks across merged subtrees, and divergence
//! detection.

use super::uturn::{add_no_u_turn, close_pair, no_u_turn_sum};
use crate::dynamics::{leapfrog, Divergence, LeapfrogOutcome, Metric, Point};
use crate::sampler_stats::{DivergenceStart, SamplerStats, Transition};
use ppl_core::{Error, Model, Workspace};
use rand::Rng;

/// Buffers reused across transitions, so that nothing allocates once a chain has built
/// its deepest tree: the trajectory state of a NUTS transition, six vectors per subtree
/// depth ≥ 2, and a pool of points for the other transitions.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    dim: usize,
    points: Vec<Point>,
    trajectory: Option<Box<Trajectory>>,
    /// `levels[d]`: the six vectors (`6·dim` values) of the subtree being built at depth
    /// `d`; empty until first needed.
    levels: Vec<Vec<f64>>,
}

impl Scratch {
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }
    /// A copy of `src`.
    pub(crate) fn point_from(&mut self, src: &Point) -> Point {
        match self.points.pop() {
            Some(mut p) => {
                p.copy_from(src);
                p
            }
            None => src.clone(),
        }
    }
    pub(crate) fn give_point(&mut self, p: Point) {
        self.points.push(p);
    }
}

/// The state of a NUTS trajectory: its two frontier points, the sample drawn from the
/// subtree being built, and the momenta (`p`), velocities (`v = M⁻¹p`) and momentum sums
/// (`rho`) at the ends of its backward (`bck`) and forward (`fwd`) parts.
#[derive(Debug)]
struct Trajectory {
    z_fwd: Point,
    z_bck: Point,
    subtree_sample: Point,
    p_fwd_fwd: Vec<f64>,
    v_fwd_fwd: Vec<f64>,
    p_fwd_bck: Vec<f64>,
    v_fwd_bck: Vec<f64>,
    p_bck_fwd: Vec<f64>,
    v_bck_fwd: Vec<f64>,
    p_bck_bck: Vec<f64>,
    v_bck_bck: Vec<f64>,
    rho: Vec<f64>,
    rho_fwd: Vec<f64>,
    rho_bck: Vec<f64>,
}

impl Trajectory {
    fn new(dim: usize) -> Self {
        let v = || vec![0.0; dim];
        Self {
            z_fwd: Point::new(dim),
            z_bck: Point::new(dim),
            subtree_sample: Point::new(dim),
            p_fwd_fwd: v(),
            v_fwd_fwd: v(),
            p_fwd_bck: v(),
            v_fwd_bck: v(),
            p_bck_fwd: v(),
            v_bck_fwd: v(),
            p_bck_bck: v(),
            v_bck_bck: v(),
            rho: v(),
            rho_fwd: v(),
            rho_bck: v(),
        }
    }

    /// Sets the trajectory to the single point `z`. Only the ends read before the first
    /// doubling writes them are set: the outer ones and the momentum sum. At small
    /// dimensions in one pass instead of thirteen copies (which cost a call each).
    fn start(&mut self, z: &Point) {
        let n = z.dim();
        if n > SMALL_DIM {
            self.z_fwd.copy_from(z);
            self.z_bck.copy_from(z);
            self.p_fwd_fwd.copy_from_slice(&z.p);
            self.v_fwd_fwd.copy_from_slice(&z.velocity);
            self.p_bck_bck.copy_from_slice(&z.p);
            self.v_bck_bck.copy_from_slice(&z.velocity);
            self.rho.copy_from_slice(&z.p);
            return;
        }
        for dst in [&mut self.z_fwd, &mut self.z_bck] {
            dst.log_density = z.log_density;
            dst.energy = z.energy;
        }
        let Trajectory {
            z_fwd,
            z_bck,
            p_fwd_fwd,
            v_fwd_fwd,
            p_bck_bck,
            v_bck_bck,
            rho,
            ..
        } = self;
        let (q, p, v, g) = (&z.q[..n], &z.p[..n], &z.velocity[..n], &z.grad[..n]);
        let (fq, fp) = (&mut z_fwd.q[..n], &mut z_fwd.p[..n]);
        let (fv, fg) = (&mut z_fwd.velocity[..n], &mut z_fwd.grad[..n]);
        let (bq, bp) = (&mut z_bck.q[..n], &mut z_bck.p[..n]);
        let (bv, bg) = (&mut z_bck.velocity[..n], &mut z_bck.grad[..n]);
        let (pff, vff) = (&mut p_fwd_fwd[..n], &mut v_fwd_fwd[..n]);
        let (pbb, vbb, r) = (&mut p_bck_bck[..n], &mut v_bck_bck[..n], &mut rho[..n]);
        // Few streams per loop, so that their pointers stay in registers.
        for i in 0..n {
            (fq[i], bq[i], fg[i], bg[i]) = (q[i], q[i], g[i], g[i]);
        }
        for i in 0..n {
            (fp[i], bp[i], pff[i], pbb[i], r[i]) = (p[i], p[i], p[i], p[i], p[i]);
        }
        for i in 0..n {
            (fv[i], bv[i], vff[i], vbb[i]) = (v[i], v[i], v[i], v[i]);
        }
    }
}

/// The model and buffers a chain evaluates with.
pub(crate) struct Hamiltonian<'a, M: ?Sized> {
    pub(crate) model: &'a M,
    pub(crate) ws: Workspace,
    pub(crate) metric: Metric,
    pub(crate) scratch: Scratch,
}

/// NUTS tuning constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NutsOptions {
    pub(crate) max_depth: usize,
    pub(crate) max_energy_error: f64,
}

/// Sums of the multinomial weights `w = exp(H₀ − H)` of the trajectory's points, on a
/// linear scale relative to `exp(log_scale)`: one `exp` per point instead of a
/// log-sum-exp, rescaled (rarely: only when the energy drops by hundreds along a
/// trajectory, early in warm-up) so that no weight overflows.
struct Weights {
    log_scale: f64,
    /// The trajectory before the current doubling (initially the starting point, `w = 1`).
    tree: f64,
    /// The subtree being built by the current doubling.
    subtree: f64,
}

impl Weights {
    /// Largest `log w − log_scale` kept before rescaling (`e^600` leaves room for the sum
    /// of `2^max_depth` such weights).
    const MAX_RELATIVE_LOG: f64 = 600.0;

    /// Adds a point of log weight `log_w` (and weight `w_absolute = exp(log_w)`, which
    /// serves as is while the scale is 1) to the subtree; returns its weight relative to
    /// the current scale.
    #[inline]
    fn add(&mut self, log_w: f64, w_absolute: f64) -> f64 {
        let w = if self.log_scale == 0.0 && log_w <= Self::MAX_RELATIVE_LOG {
            w_absolute
        } else {
            let mut relative = log_w - self.log_scale;
            if relative > Self::MAX_RELATIVE_LOG {
                let shrink = (-relative).exp();
                self.tree *= shrink;
                self.subtree *= shrink;
                self.log_scale = log_w;
                relative = 0.0;
            }
            relative.exp()
        };
        self.subtree += w;
        w
    }
}

struct Builder<'h, 'a, M: ?Sized, R: ?Sized> {
    h: &'h mut Hamiltonian<'a, M>,
    rng: &'h mut R,
    /// Signed step size of the current direction.
    step: f64,
    h0: f64,
    max_energy_error: f64,
    n_leapfrog: usize,
    sum_metro_prob: f64,
    divergent: bool,
    /// Where the trajectory diverged (the first point past the threshold).
    divergence: Option<DivergenceStart>,
    weights: Weights,
    /// The sample drawn from the subtree being built.
    subtree_sample: &'h mut Point,
}

/// Ends and momentum sum of a (sub)trajectory being built, in integration order
/// (`beg` is next to the existing trajectory, `end` is the new frontier). `build` writes
/// every field.
struct Ends<'v> {
    velocity_beg: &'v mut [f64],
    velocity_end: &'v mut [f64],
    rho: &'v mut [f64],
    p_beg: &'v mut [f64],
    p_end: &'v mut [f64],
}

impl<M: Model + ?Sized, R: Rng + ?Sized> Builder<'_, '_, M, R> {
    /// One leapfrog step of `z`, the new point's weight, divergence bookkeeping and the
    /// multinomial draw within the subtree. Returns whether the point is valid.
    ///
    /// Drawing the subtree's sample progressively, each new point replacing the current
    /// one with probability `w / W` (`W` the subtree's weight so far, the new point
    /// included), selects point `i` with probability `wᵢ / Σ w`: the same law as Stan's
    /// uniform merging of sub-subtrees, with one copy per accepted replacement instead of
    /// one per merge.
    fn leaf(&mut self, z: &mut Point) -> Result<bool, Error> {
        let outcome = leapfrog(self.h.model, &mut self.h.ws, &self.h.metric, z, self.step);
        self.n_leapfrog += 1;
        let (h, failure) = match outcome {
            LeapfrogOutcome::Ok => (z.energy, None),
            LeapfrogOutcome::Divergent(d) => (f64::INFINITY, Some(d)),
            LeapfrogOutcome::Fatal(e) => return Err(e),
        };
        if !(h - self.h0 <= self.max_energy_error) {
            self.divergent = true;
            if self.divergence.is_none() {
                // Allocates, but only once per divergent transition.
                self.divergence = Some(DivergenceStart {
                    position: z.q.clone(),
                    reason: failure.unwrap_or(Divergence::EnergyError(h - self.h0)),
                });
            }
            return Ok(false);
        }
        let log_w = self.h0 - h;
        let w_absolute = log_w.exp();
        self.sum_metro_prob += w_absolute.min(1.0);
        let w = self.weights.add(log_w, w_absolute);
        let total = self.weights.subtree;
        if w >= total || self.rng.random::<f64>() * total < w {
            self.subtree_sample.copy_sample_from(z);
        }
        Ok(true)
    }

    /// Builds a subtree of `2^depth` leapfrog steps from `z` (which ends at the subtree's
    /// frontier), drawing its sample into `subtree_sample` and adding its weight to
    /// `weights.subtree`. Returns whether the subtree is valid (no divergence, no U-turn
    /// inside it); `Err` on a fatal model error.
    fn build(&mut self, depth: usize, z: &mut Point, ends: Ends<'_>) -> Result<bool, Error> {
        match depth {
            0 => {
                let valid = self.leaf(z)?;
                ends.velocity_beg.copy_from_slice(&z.velocity);
                ends.velocity_end.copy_from_slice(&z.velocity);
                ends.rho.copy_from_slice(&z.p);
                ends.p_beg.copy_from_slice(&z.p);
                ends.p_end.copy_from_slice(&z.p);
                Ok(valid)
            }
            1 => {
                // Two points: the checks across the halves coincide with the main one
                // (`ρ_left + p_first(right) = ρ_right + p_last(left) = p₁ + p₂`).
                if !self.leaf(z)? {
                    return Ok(false);
                }
                ends.velocity_beg.copy_from_slice(&z.velocity);
                ends.p_beg.copy_from_slice(&z.p);
                if !self.leaf(z)? {
                    return Ok(false);
                }
                Ok(close_pair(
                    &z.p,
                    &z.velocity,
                    ends.p_beg,
                    ends.velocity_beg,
                    ends.p_end,
                    ends.velocity_end,
                    ends.rho,
                ))
            }
            _ => {
                let dim = z.dim();
                let mut level = std::mem::take(&mut self.h.scratch.levels[depth]);
                level.resize(6 * dim, 0.0);
                let (p_init_end, rest) = level.split_at_mut(dim);
                let (velocity_init_end, rest) = rest.split_at_mut(dim);
                let (rho_init, rest) = rest.split_at_mut(dim);
                let (p_final_beg, rest) = rest.split_at_mut(dim);
                let (velocity_final_beg, rho_final) = rest.split_at_mut(dim);
                let result = (|| {
                    let first = Ends {
                        velocity_beg: &mut *ends.velocity_beg,
                        velocity_end: &mut *velocity_init_end,
                        rho: &mut *rho_init,
                        p_beg: &mut *ends.p_beg,
                        p_end: &mut *p_init_end,
                    };
                    if !self.build(depth - 1, z, first)? {
                        return Ok(false);
                    }
                    let second = Ends {
                        velocity_beg: &mut *velocity_final_beg,
                        velocity_end: &mut *ends.velocity_end,
                        rho: &mut *rho_final,
                        p_beg: &mut *p_final_beg,
                        p_end: &mut *ends.p_end,
                    };
                    if !self.build(depth - 1, z, second)? {
                        return Ok(false);
                    }
                    // The whole subtree, then across the merged halves.
                    Ok(add_no_u_turn(
                        ends.rho,
                        rho_init,
                        rho_final,
                        ends.velocity_beg,
                        ends.velocity_end,
                    ) && no_u_turn_sum(
                        ends.velocity_beg,
                        velocity_final_beg,
                        rho_init,
                        p_final_beg,
                    ) && no_u_turn_sum(
                        velocity_init_end,
                        ends.velocity_end,
                        rho_final,
                        p_init_end,
                    ))
                })();
                self.h.scratch.levels[depth] = level;
                result
            }
        }
    }
}

/// Dimensions up to which copies of a few vectors are done in one fused loop rather
/// than one `memcpy` call each.
const SMALL_DIM: usize = 16;

/// One NUTS transition from `z` (position, log density and gradient must be current);
/// on return `z` is the new draw. A fresh momentum is drawn first.
///
/// # Algorithm
///
/// Hoffman & Gelman (2014) tree doubling with Betancourt's (2017) multinomial sampling,
/// as in Stan ≥ 2.26 (`base_nuts::transition`): each doubling extends the trajectory
/// forward or backward with probability ½ by a subtree of the current size; the new
/// subtree's sample replaces the current one with probability
/// `min(1, w_subtree / w_old)` (biased progressive sampling); inside subtrees the halves
/// are merged with probability `w_final / (w_init + w_final)` (uniform). Expansion stops at
/// a U-turn of the whole trajectory or across the two merged parts (checked on
/// `ρ_left + p_first(right)` and `ρ_right + p_last(left)` as well), at a divergence
/// (`H − H₀ > max_energy_error` or a numerical failure, the diverging subtree being
/// discarded), or at `max_depth`.
pub(crate) fn transition<M: Model + ?Sized, R: Rng + ?Sized>(
    h: &mut Hamiltonian<'_, M>,
    options: NutsOptions,
    step_size: f64,
    z: &mut Point,
    rng: &mut R,
) -> Result<Transition, Error> {
    z.resample_momentum(&h.metric, rng);
    let h0 = z.energy;

    let mut trajectory = h
        .scratch
        .trajectory
        .take()
        .unwrap_or_else(|| Box::new(Trajectory::new(h.scratch.dim)));
    if h.scratch.levels.len() <= options.max_depth {
        h.scratch
            .levels
            .resize_with(options.max_depth + 1, Vec::new);
    }
    // The trajectory is the single point `z`.
    trajectory.start(z);
    let Trajectory {
        z_fwd,
        z_bck,
        subtree_sample,
        p_fwd_fwd,
        v_fwd_fwd,
        p_fwd_bck,
        v_fwd_bck,
        p_bck_fwd,
        v_bck_fwd,
        p_bck_bck,
        v_bck_bck,
        rho,
        rho_fwd,
        rho_bck,
    } = &mut *trajectory;
    let mut builder = Builder {
        h,
        rng,
        step: step_size,
        h0,
        max_energy_error: options.max_energy_error,
        n_leapfrog: 0,
        sum_metro_prob: 0.0,
        divergent: false,
        divergence: None,
        // The initial point has weight exp(H₀ − H₀) = 1.
        weights: Weights {
            log_scale: 0.0,
            tree: 1.0,
            subtree: 0.0,
        },
        subtree_sample,
    };
    let mut depth = 0;
    // `z` itself holds the current sample.
    let result = (|| {
        while depth < options.max_depth {
            builder.weights.subtree = 0.0;
            let valid = if builder.rng.random::<f64>() > 0.5 {
                // Extend forward: the old trajectory becomes the backward part. Swaps,
                // not copies: `build` writes every end it is given, and `rho` is
                // recomputed before it is read.
                std::mem::swap(rho_bck, rho);
                std::mem::swap(p_bck_fwd, p_fwd_fwd);
                std::mem::swap(v_bck_fwd, v_fwd_fwd);
                builder.step = step_size;
                builder.build(
                    depth,
                    z_fwd,
                    Ends {
                        velocity_beg: v_fwd_bck,
                        velocity_end: v_fwd_fwd,
                        rho: rho_fwd,
                        p_beg: p_fwd_bck,
                        p_end: p_fwd_fwd,
                    },
                )?
            } else {
                // Extend backward: the old trajectory becomes the forward part.
                std::mem::swap(rho_fwd, rho);
                std::mem::swap(p_fwd_bck, p_bck_bck);
                std::mem::swap(v_fwd_bck, v_bck_bck);
                builder.step = -step_size;
                builder.build(
                    depth,
                    z_bck,
                    Ends {
                        velocity_beg: v_bck_fwd,
                        velocity_end: v_bck_bck,
                        rho: rho_bck,
                        p_beg: p_bck_fwd,
                        p_end: p_bck_bck,
                    },
                )?
            };
            if !valid {
                break;
            }
            depth += 1;
            // Biased progressive sampling between the old tree and the new subtree.
            let Weights { tree, subtree, .. } = builder.weights;
            if subtree > tree || builder.rng.random::<f64>() * tree < subtree {
                // The next subtree's first point always replaces its sample, so the
                // buffers can be swapped.
                z.take_sample_from(builder.subtree_sample);
            }
            builder.weights.tree = tree + subtree;
            let persist = add_no_u_turn(rho, rho_bck, rho_fwd, v_bck_bck, v_fwd_fwd)
                && no_u_turn_sum(v_bck_bck, v_fwd_bck, rho_bck, p_fwd_bck)
                && no_u_turn_sum(v_bck_fwd, v_fwd_fwd, rho_fwd, p_bck_fwd);
            if !persist {
                break;
            }
        }
        Ok(())
    })();

    let n_leapfrog = builder.n_leapfrog;
    let sum_metro_prob = builder.sum_metro_prob;
    let divergent = builder.divergent;
    let divergence = builder.divergence.take();
    h.scratch.trajectory = Some(trajectory);
    result?;

    Ok(Transition {
        stats: SamplerStats {
            log_density: z.log_density,
            accept_stat: sum_metro_prob / n_leapfrog.max(1) as f64,
            step_size,
            tree_depth: depth,
            n_leapfrog,
            divergent,
            energy: z.energy,
        },
        divergence,
    })
}
