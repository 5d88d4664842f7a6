//! The eight benchmark models written against a tape-based reverse-mode AD crate,
//! [`echidna`](https://crates.io/crates/echidna) (`Reverse<f64>`: an Adept-style operation
//! tape kept in a thread-local, pooled and reused between gradients): the comparison point
//! "what a general-purpose operator-overloading AD gives" in `cargo bench --bench
//! ad_strategies`.
//!
//! Why echidna: of the crates.io candidates checked (2026-11), `reverse` 0.2 (a `RefCell`
//! tape with lifetimes) has had no release since 2021; `autodiff` 0.7 is forward mode only;
//! `xad-rs` 1.0 needs Rust 1.98 (this project pins 1.95); echidna 0.15 (July 2026) is
//! maintained, documents its design (Adept's two-stack tape, the one behind Stan Math's and
//! Adept's reverse modes), reuses its tape between gradients, and with default features off
//! depends on `num-traits` alone.
//!
//! Written as a user of such a crate would write them: the log densities of the Stan
//! programs composed from elementary operations, one line per term (each distribution with
//! its normalising constant, each transform with its log-Jacobian), over `Reverse<f64>`
//! values mixed with `f64` data. Same unconstrained coordinates and the same log density as
//! `models.rs` (the bench_models tests check the gradients against ours to 1e-12).

#![allow(dead_code)]

use crate::hand_written::{count, num, vector};
use echidna::{Reverse, Scalar as _};
use num_traits::Float;
use serde_json::Value;
use std::cell::Cell;
use std::f64::consts::{FRAC_PI_2, PI};

/// A tape variable.
type R = Reverse<f64>;

/// `½ ln 2π`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// A log density over tape variables.
pub trait Taped {
    /// Dimension of the unconstrained space.
    fn dim(&self) -> usize;
    /// `log p(x)`, recorded on the active tape.
    fn log_density(&self, x: &[R]) -> R;
}

/// `log p(x)` and its gradient through the tape: one recording, one reverse sweep
/// (`echidna::grad`).
pub fn gradient<T: Taped>(model: &T, x: &[f64], grad: &mut [f64]) -> f64 {
    let lp = Cell::new(0.0);
    let g = echidna::grad(
        |v| {
            let out = model.log_density(v);
            lp.set(out.value());
            out
        },
        x,
    );
    grad.copy_from_slice(&g);
    lp.get()
}

// Log densities and transforms, as a user of the crate writes them.

fn normal_lpdf(y: R, mu: R, sigma: R) -> R {
    let z = (y - mu) / sigma;
    -(z * z) * 0.5 - sigma.ln() - HALF_LN_2PI
}

/// Normal density of a parameter with constant location and scale.
fn normal_prior(y: R, mu: f64, sigma: f64) -> R {
    let z = (y - mu) / sigma;
    -(z * z) * 0.5 - sigma.ln() - HALF_LN_2PI
}

/// Normal density of a data point.
fn normal_data(y: f64, mu: R, sigma: R) -> R {
    let z = (mu - y) / sigma;
    -(z * z) * 0.5 - sigma.ln() - HALF_LN_2PI
}

fn half_normal_lpdf(y: R, sigma: f64) -> R {
    let z = y / sigma;
    -(z * z) * 0.5 + (2f64.ln() - sigma.ln() - HALF_LN_2PI)
}

fn half_cauchy_lpdf(y: R, sigma: f64) -> R {
    let z = y / sigma;
    -(z * z).ln_1p() + ((2.0 / PI).ln() - sigma.ln())
}

fn lognormal_lpdf(y: R, mu: f64, sigma: f64) -> R {
    let z = (y.ln() - mu) / sigma;
    -(z * z) * 0.5 - y.ln() - sigma.ln() - HALF_LN_2PI
}

fn beta_lpdf(y: R, a: f64, b: f64) -> R {
    let lbeta = ppl::math::lgamma(a) + ppl::math::lgamma(b) - ppl::math::lgamma(a + b);
    y.ln() * (a - 1.0) + (-y).ln_1p() * (b - 1.0) - lbeta
}

fn gamma_lpdf(y: R, shape: f64, rate: f64) -> R {
    y.ln() * (shape - 1.0) - y * rate + (shape * rate.ln() - ppl::math::lgamma(shape))
}

/// `ln(1 + eˣ)`, stable.
fn softplus(x: R) -> R {
    if x.value() > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn bernoulli_logit_lpmf(k: f64, eta: R) -> R {
    if k == 1.0 {
        -softplus(-eta)
    } else {
        -softplus(eta)
    }
}

fn poisson_lpmf(n: f64, rate: R) -> R {
    rate.ln() * n - rate - ppl::math::lgamma(n + 1.0)
}

/// `(0, ∞)`: `(eᵘ, ln J = u)`.
fn positive(u: R) -> (R, R) {
    (u.exp(), u)
}

/// `(lo, hi)`: `(lo + (hi − lo) σ(u), ln(hi − lo) + ln σ(u) + ln σ(−u))`.
fn interval(u: R, lo: R, hi: R) -> (R, R) {
    let s = ((-u).exp() + 1.0).recip();
    let width = hi - lo;
    (lo + width * s, width.ln() - softplus(-u) - softplus(u))
}

fn cst(c: f64) -> R {
    R::constant(c)
}

// The models.

/// See `models::gauss50`.
pub struct Gauss50 {
    d: usize,
}

impl Taped for Gauss50 {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[R]) -> R {
        let mut lp = cst(0.0);
        for &xi in x {
            lp += normal_prior(xi, 0.0, 1.0);
        }
        lp
    }
}

/// See `models::linreg_tan`.
pub struct LinregTan {
    x: Vec<f64>,
    y: Vec<f64>,
    yerr: Vec<f64>,
}

impl Taped for LinregTan {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, p: &[R]) -> R {
        let (lo, hi) = (cst(-FRAC_PI_2), cst(FRAC_PI_2));
        let (theta, log_j) = interval(p[0], lo, hi);
        let mut lp = log_j - (hi - lo).ln(); // uniform prior
        let b_perp = p[1];
        lp += normal_prior(b_perp, 0.0, 1.0);
        let m = theta.tan();
        let b = b_perp / theta.cos();
        for n in 0..self.x.len() {
            lp += normal_data(self.y[n], m * self.x[n] + b, cst(self.yerr[n]));
        }
        lp
    }
}

/// See `models::eight_schools_nc`.
pub struct EightSchoolsNc {
    y: Vec<f64>,
    sigma: Vec<f64>,
}

impl Taped for EightSchoolsNc {
    fn dim(&self) -> usize {
        2 + self.y.len()
    }
    fn log_density(&self, p: &[R]) -> R {
        let mu = p[0];
        let (tau, log_j) = positive(p[1]);
        let mut lp = normal_prior(mu, 0.0, 5.0) + half_cauchy_lpdf(tau, 5.0) + log_j;
        for j in 0..self.y.len() {
            let tt = p[2 + j];
            lp += normal_prior(tt, 0.0, 1.0);
            lp += normal_data(self.y[j], mu + tau * tt, cst(self.sigma[j]));
        }
        lp
    }
}

/// See `models::logistic`.
pub struct Logistic {
    x: Vec<f64>,
    y: Vec<f64>,
    d: usize,
}

impl Taped for Logistic {
    fn dim(&self) -> usize {
        1 + self.d
    }
    fn log_density(&self, p: &[R]) -> R {
        let alpha = p[0];
        let beta = &p[1..];
        let mut lp = normal_prior(alpha, 0.0, 2.5);
        for &b in beta {
            lp += normal_prior(b, 0.0, 1.0);
        }
        for (row, &y) in self.x.chunks_exact(self.d).zip(&self.y) {
            let mut eta = alpha;
            for k in 0..self.d {
                eta += beta[k] * row[k];
            }
            lp += bernoulli_logit_lpmf(y, eta);
        }
        lp
    }
}

/// See `models::hier_radon_like`.
pub struct HierRadonLike {
    g: Vec<usize>,
    x: Vec<f64>,
    y: Vec<f64>,
    groups: usize,
}

impl Taped for HierRadonLike {
    fn dim(&self) -> usize {
        self.groups + 4
    }
    fn log_density(&self, p: &[R]) -> R {
        let j = self.groups;
        let mu_a = p[0];
        let (sigma_a, log_j_a) = positive(p[1]);
        let a_raw = &p[2..j + 2];
        let b = p[j + 2];
        let (sigma_y, log_j_y) = positive(p[j + 3]);
        let mut lp = normal_prior(mu_a, 0.0, 10.0)
            + half_normal_lpdf(sigma_a, 1.0)
            + log_j_a
            + normal_prior(b, 0.0, 10.0)
            + half_normal_lpdf(sigma_y, 1.0)
            + log_j_y;
        for &a in a_raw {
            lp += normal_prior(a, 0.0, 1.0);
        }
        for n in 0..self.y.len() {
            let mu = mu_a + sigma_a * a_raw[self.g[n]] + b * self.x[n];
            lp += normal_data(self.y[n], mu, sigma_y);
        }
        lp
    }
}

/// See `models::garch11`.
pub struct Garch11 {
    y: Vec<f64>,
    sigma1: f64,
}

impl Taped for Garch11 {
    fn dim(&self) -> usize {
        4
    }
    fn log_density(&self, p: &[R]) -> R {
        let mu = p[0];
        let (alpha0, log_j0) = positive(p[1]);
        let (alpha1, log_j1) = interval(p[2], cst(0.0), cst(1.0));
        let (beta1, log_j2) = interval(p[3], cst(0.0), -alpha1 + 1.0);
        let mut lp = normal_prior(mu, 0.0, 10.0) + half_normal_lpdf(alpha0, 1.0) + log_j0;
        lp += log_j1; // U(0, 1): log density 0
        lp += log_j2 - (-alpha1).ln_1p(); // U(0, 1 − alpha1)
        let mut sigma = cst(self.sigma1);
        lp += normal_data(self.y[0], mu, sigma);
        for t in 1..self.y.len() {
            let e = -mu + self.y[t - 1];
            sigma = (alpha0 + alpha1 * e.powi(2) + beta1 * sigma * sigma).sqrt();
            lp += normal_data(self.y[t], mu, sigma);
        }
        lp
    }
}

/// See `models::mmm_adstock`.
pub struct MmmAdstock {
    x: Vec<f64>,
    y: Vec<f64>,
    channels: usize,
}

impl Taped for MmmAdstock {
    fn dim(&self) -> usize {
        3 * self.channels + 2
    }
    fn log_density(&self, p: &[R]) -> R {
        let c_n = self.channels;
        let mut lp = cst(0.0);
        let mut decay = Vec::with_capacity(c_n);
        let mut lambda = Vec::with_capacity(c_n);
        let mut beta = Vec::with_capacity(c_n);
        for &u in &p[..c_n] {
            let (d, log_j) = interval(u, cst(0.0), cst(1.0));
            lp += beta_lpdf(d, 2.0, 2.0) + log_j;
            decay.push(d);
        }
        for &u in &p[c_n..2 * c_n] {
            let (l, log_j) = positive(u);
            lp += lognormal_lpdf(l, 0.0, 1.0) + log_j;
            lambda.push(l);
        }
        for &u in &p[2 * c_n..3 * c_n] {
            let (b, log_j) = positive(u);
            lp += half_normal_lpdf(b, 2.0) + log_j;
            beta.push(b);
        }
        let intercept = p[3 * c_n];
        let (sigma, log_j) = positive(p[3 * c_n + 1]);
        lp += normal_prior(intercept, 0.0, 5.0) + half_normal_lpdf(sigma, 1.0) + log_j;
        let t_n = self.y.len();
        let mut mu = vec![intercept; t_n];
        for c in 0..c_n {
            let mut a = cst(0.0);
            for (m, row) in mu.iter_mut().zip(self.x.chunks_exact(c_n)) {
                a = decay[c] * a + row[c];
                *m += beta[c] * a / (a + lambda[c]);
            }
        }
        for (&m, &y) in mu.iter().zip(&self.y) {
            lp += normal_data(y, m, sigma);
        }
        lp
    }
}

/// See `models::poisson_counting`.
pub struct PoissonCounting {
    n: f64,
    s: f64,
    b: f64,
    tau: f64,
    aux: f64,
}

impl Taped for PoissonCounting {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, p: &[R]) -> R {
        let (lo, hi) = (cst(0.0), cst(10.0));
        let (mu, log_j_mu) = interval(p[0], lo, hi);
        let (gamma, log_j_gamma) = positive(p[1]);
        let mut lp = log_j_mu - (hi - lo).ln();
        lp += gamma_lpdf(gamma, self.aux + 1.0, self.tau) + log_j_gamma;
        lp += poisson_lpmf(self.n, mu * self.s + gamma * self.b);
        lp
    }
}

/// Something to do with a taped model of any type (see `models::Visitor`).
pub trait Visitor {
    /// What the visit returns.
    type Out;
    /// Does the work on the model `name`.
    fn visit<T: Taped>(self, name: &str, model: &T) -> Self::Out;
}

/// Builds the taped benchmark model `name` from its data and calls `v.visit`.
pub fn visit<V: Visitor>(name: &str, d: &Value, v: V) -> Result<V::Out, String> {
    Ok(match name {
        "gauss50" => v.visit(name, &Gauss50 { d: count(d, "D")? }),
        "linreg_tan" => {
            let n = count(d, "N")?;
            let m = LinregTan {
                x: vector(d, "x", n)?,
                y: vector(d, "y", n)?,
                yerr: vector(d, "yerr", n)?,
            };
            v.visit(name, &m)
        }
        "eight_schools_nc" => {
            let j = count(d, "J")?;
            let m = EightSchoolsNc {
                y: vector(d, "y", j)?,
                sigma: vector(d, "sigma", j)?,
            };
            v.visit(name, &m)
        }
        "logistic" => {
            let (n, k) = (count(d, "N")?, count(d, "D")?);
            let m = Logistic {
                x: crate::hand_written::matrix(d, "X", n, k)?,
                y: vector(d, "y", n)?,
                d: k,
            };
            v.visit(name, &m)
        }
        "hier_radon_like" => {
            let (n, j) = (count(d, "N")?, count(d, "J")?);
            let m = HierRadonLike {
                g: vector(d, "g", n)?
                    .into_iter()
                    .map(|g| g as usize - 1)
                    .collect(),
                x: vector(d, "x", n)?,
                y: vector(d, "y", n)?,
                groups: j,
            };
            v.visit(name, &m)
        }
        "garch11" => {
            let t = count(d, "T")?;
            let m = Garch11 {
                y: vector(d, "y", t)?,
                sigma1: num(d, "sigma1")?,
            };
            v.visit(name, &m)
        }
        "mmm_adstock" => {
            let (t, c) = (count(d, "T")?, count(d, "C")?);
            let m = MmmAdstock {
                x: crate::hand_written::matrix(d, "x", t, c)?,
                y: vector(d, "y", t)?,
                channels: c,
            };
            v.visit(name, &m)
        }
        "poisson_counting" => {
            let m = PoissonCounting {
                n: num(d, "n")?,
                s: num(d, "s")?,
                b: num(d, "b")?,
                tau: num(d, "tau")?,
                aux: num(d, "aux")?,
            };
            v.visit(name, &m)
        }
        other => return Err(format!("unknown benchmark model `{other}`")),
    })
}
