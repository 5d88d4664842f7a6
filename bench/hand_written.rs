//! Hand-written analytic gradients of the eight benchmark models: the practical limit a
//! generated gradient is measured against (`cargo bench --bench ad_strategies`).
//!
//! Each model computes EXACTLY the log density of its `#[model]` in `models.rs` — same
//! unconstrained coordinates (Stan's declaration order), same transforms and log-Jacobians
//! (`(0, ∞)`: `y = eᵘ`, `ln J = u`; `(lo, hi)`: `y = lo + (hi − lo)·σ(u)`,
//! `ln J = ln(hi − lo) + ln σ(u) + ln σ(−u)`), same normalising constants — with its
//! gradient derived by hand. The bench_models tests check value and gradient against the
//! generated `log_density_gradient` to 1e-12 relative.
//!
//! Written the way a careful person writes a gradient by hand: one fused pass over the data
//! where the maths allows, forward tangents where a recursion has few parameters (garch11,
//! the adstock decay), every data-only term (`Σ ln σₙ`, `1/σₙ²`, `ln Γ(n + 1)`, prior
//! constants) computed once at construction, and terms that cancel exactly cancelled
//! (a uniform prior's `−ln(hi − lo)` against its transform's `ln(hi − lo)`; a log-normal
//! prior's `−ln λ` against `ln J = ln λ`). What it does NOT do: rewrite the likelihood into
//! sufficient statistics (`linreg_tan` could be O(1) per gradient that way), change the
//! model's arithmetic beyond that, or use SIMD intrinsics (logistic calls the library's
//! vectorised Bernoulli-logit slice kernel and 4-lane dot products, as an expert using it
//! would: a scalar loop over rows is 2× slower and no longer the limit). The data are
//! assumed valid (finite, positive scales) and the points finite: there is no error path.

#![allow(dead_code)]

use serde_json::Value;
use std::f64::consts::{FRAC_PI_2, PI};

/// `½ ln 2π`: the normal density's constant.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// A model with a hand-written gradient.
pub trait HandWritten {
    /// Dimension of the unconstrained space.
    fn dim(&self) -> usize;
    /// `log p(x)`, writing `∇ log p(x)` into `grad` (overwritten, length `dim`). `scratch`
    /// is working memory reused between calls (like the generated code's `Workspace`).
    fn log_density_gradient(&self, x: &[f64], grad: &mut [f64], scratch: &mut Vec<f64>) -> f64;
}

// ---------------------------------------------------------------------------------------
// Small helpers.

/// `σ(u) = 1 / (1 + e^(−u))`, and `ln σ(u) + ln σ(−u) = −|u| − 2 ln(1 + e^(−|u|))`, from
/// one exponential.
#[inline]
fn logistic_and_log_jacobian(u: f64) -> (f64, f64) {
    let e = (-u.abs()).exp();
    let s = if u >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    (s, -u.abs() - 2.0 * e.ln_1p())
}

// Data access (also used by `tape_models.rs`): a malformed file is an error message, never
// a panic.

pub fn get<'a>(d: &'a Value, key: &str) -> Result<&'a Value, String> {
    d.get(key).ok_or_else(|| format!("data has no `{key}`"))
}

pub fn num(d: &Value, key: &str) -> Result<f64, String> {
    get(d, key)?
        .as_f64()
        .ok_or_else(|| format!("`{key}` is not a number"))
}

pub fn count(d: &Value, key: &str) -> Result<usize, String> {
    get(d, key)?
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| format!("`{key}` is not a count"))
}

pub fn nums(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{what}` is not a list"))?
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| format!("`{what}`: not a number")))
        .collect()
}

pub fn vector(d: &Value, key: &str, len: usize) -> Result<Vec<f64>, String> {
    let v = nums(get(d, key)?, key)?;
    if v.len() != len {
        return Err(format!("`{key}` has length {}, expected {len}", v.len()));
    }
    Ok(v)
}

/// A row-major matrix, flattened.
pub fn matrix(d: &Value, key: &str, rows: usize, cols: usize) -> Result<Vec<f64>, String> {
    let list = get(d, key)?
        .as_array()
        .filter(|l| l.len() == rows)
        .ok_or_else(|| format!("`{key}` is not a list of {rows} rows"))?;
    let mut flat = Vec::with_capacity(rows * cols);
    for row in list {
        let row = nums(row, key)?;
        if row.len() != cols {
            return Err(format!("`{key}`: a row is not of length {cols}"));
        }
        flat.extend(row);
    }
    Ok(flat)
}

// ---------------------------------------------------------------------------------------
// The models.

/// `x ~ N(0, 1)` i.i.d.: `log p = −½ Σ xᵢ² − D ½ ln 2π`, `∇ = −x`.
pub struct Gauss50 {
    d: usize,
}

impl Gauss50 {
    /// From `data/gauss50.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        Ok(Gauss50 { d: count(d, "D")? })
    }
}

impl HandWritten for Gauss50 {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density_gradient(&self, x: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let mut ss = 0.0;
        for (g, &xi) in grad.iter_mut().zip(x) {
            ss += xi * xi;
            *g = -xi;
        }
        -0.5 * ss - self.d as f64 * HALF_LN_2PI
    }
}

/// `theta = −π/2 + π σ(u₀)` (its uniform prior cancels against `ln π` of the Jacobian),
/// `b_perp ~ N(0, 1)`, `m = tan θ`, `b = b_perp / cos θ`, `yₙ ~ N(m xₙ + b, yerrₙ)`.
///
/// With `wₙ = 1/yerrₙ²`, `rₙ = yₙ − m xₙ − b`, `G_m = Σ wₙ rₙ xₙ`, `G_b = Σ wₙ rₙ`:
/// `∂/∂θ = G_m (1 + m²) + G_b b m`, `∂θ/∂u₀ = π σ(1 − σ)`, `∂ln J/∂u₀ = 1 − 2σ`,
/// `∂/∂b_perp = −b_perp + G_b / cos θ`.
pub struct LinregTan {
    x: Vec<f64>,
    y: Vec<f64>,
    /// `1 / yerrₙ²`.
    w: Vec<f64>,
    /// `−Σ ln yerrₙ − (N + 1) ½ ln 2π` (likelihood and `b_perp`'s prior).
    constant: f64,
}

impl LinregTan {
    /// From `data/linreg_tan.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let n = count(d, "N")?;
        let yerr = vector(d, "yerr", n)?;
        let constant = -yerr.iter().map(|s| s.ln()).sum::<f64>() - (n as f64 + 1.0) * HALF_LN_2PI;
        Ok(LinregTan {
            x: vector(d, "x", n)?,
            y: vector(d, "y", n)?,
            w: yerr.iter().map(|s| 1.0 / (s * s)).collect(),
            constant,
        })
    }
}

impl HandWritten for LinregTan {
    fn dim(&self) -> usize {
        2
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let (s, log_j) = logistic_and_log_jacobian(p[0]);
        let b_perp = p[1];
        let theta = -FRAC_PI_2 + PI * s;
        let (sin, cos) = theta.sin_cos();
        let m = sin / cos;
        let b = b_perp / cos;
        let (mut wrr, mut gm, mut gb) = (0.0, 0.0, 0.0);
        for ((&x, &y), &w) in self.x.iter().zip(&self.y).zip(&self.w) {
            let r = y - m * x - b;
            let wr = w * r;
            wrr += wr * r;
            gm += wr * x;
            gb += wr;
        }
        let d_theta = gm * (1.0 + m * m) + gb * b * m;
        grad[0] = d_theta * PI * s * (1.0 - s) + (1.0 - 2.0 * s);
        grad[1] = -b_perp + gb / cos;
        log_j - 0.5 * b_perp * b_perp - 0.5 * wrr + self.constant
    }
}

/// `mu ~ N(0, 5)`, `tau = e^{u} ~ HalfCauchy(5)`, `theta_tilde ~ N(0, 1)`,
/// `y_j ~ N(mu + tau theta_tilde_j, sigma_j)`.
pub struct EightSchoolsNc {
    y: Vec<f64>,
    /// `1 / sigma_j²`.
    w: Vec<f64>,
    /// All data- and prior-only terms.
    constant: f64,
}

impl EightSchoolsNc {
    /// From `data/eight_schools_nc.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let j = count(d, "J")?;
        let sigma = vector(d, "sigma", j)?;
        // mu: −ln 5 − ½ ln 2π; tau: ln 2 − ln π − ln 5; theta_tilde and y: J (−½ ln 2π) each,
        // − Σ ln sigma_j.
        let constant = -(5f64.ln()) - HALF_LN_2PI + 2f64.ln()
            - PI.ln()
            - 5f64.ln()
            - 2.0 * j as f64 * HALF_LN_2PI
            - sigma.iter().map(|s| s.ln()).sum::<f64>();
        Ok(EightSchoolsNc {
            y: vector(d, "y", j)?,
            w: sigma.iter().map(|s| 1.0 / (s * s)).collect(),
            constant,
        })
    }
}

impl HandWritten for EightSchoolsNc {
    fn dim(&self) -> usize {
        2 + self.y.len()
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let (mu, u) = (p[0], p[1]);
        let tau = u.exp();
        let t5 = tau * 0.2;
        let one_t5 = 1.0 + t5 * t5;
        let mut lp = self.constant - 0.02 * mu * mu - one_t5.ln() + u;
        let (mut d_mu, mut d_tau) = (-0.04 * mu, 0.0);
        let tt = &p[2..];
        for (((g, &t), &y), &w) in grad[2..].iter_mut().zip(tt).zip(&self.y).zip(&self.w) {
            let r = y - mu - tau * t;
            let wr = w * r;
            lp -= 0.5 * (t * t + wr * r);
            d_mu += wr;
            d_tau += wr * t;
            *g = -t + wr * tau;
        }
        grad[0] = d_mu;
        grad[1] = d_tau * tau - 2.0 * t5 * t5 / one_t5 + 1.0;
        lp
    }
}

/// `alpha ~ N(0, 2.5)`, `beta_k ~ N(0, 1)`, `yₙ ~ BernoulliLogit(alpha + Xₙ·beta)`.
///
/// `log P(yₙ) = −softplus(zₙ)` with `zₙ = ±ηₙ` (`+` for `yₙ = 0`), `∂/∂ηₙ = yₙ − σ(ηₙ)`;
/// softplus and σ share one exponential.
pub struct Logistic {
    /// `X`, row-major, `N × D`.
    x: Vec<f64>,
    /// `yₙ ∈ {0, 1}`.
    y: Vec<i64>,
    d: usize,
    /// Prior constants.
    constant: f64,
}

impl Logistic {
    /// From `data/logistic.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let (n, k) = (count(d, "N")?, count(d, "D")?);
        let y = vector(d, "y", n)?;
        Ok(Logistic {
            x: matrix(d, "X", n, k)?,
            y: y.iter().map(|&v| v as i64).collect(),
            d: k,
            constant: -(2.5f64.ln()) - (k as f64 + 1.0) * HALF_LN_2PI,
        })
    }
}

/// Three passes, as an expert would write it: `η = α + Xβ` (4-lane dot products), the
/// likelihood and `∂/∂η` over all rows at once (the library's SIMD Bernoulli-logit slice
/// kernel), then `∂/∂β = Xᵀ ∂/∂η`.
impl HandWritten for Logistic {
    fn dim(&self) -> usize {
        1 + self.d
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], scratch: &mut Vec<f64>) -> f64 {
        let alpha = p[0];
        let beta = &p[1..];
        let (g_alpha, g_beta) = grad.split_at_mut(1);
        let n = self.y.len();
        scratch.resize(2 * n, 0.0);
        let (eta, eta_bar) = scratch.split_at_mut(n);
        for (e, row) in eta.iter_mut().zip(self.x.chunks_exact(self.d)) {
            *e = alpha + ppl::math::dot_data(row, beta);
        }
        eta_bar.fill(0.0);
        let lp = ppl::distributions::bernoulli_logit_lpmf_slice_vjp(&self.y, eta, 1.0, eta_bar);
        g_alpha[0] = -0.16 * alpha + eta_bar.iter().sum::<f64>();
        let mut prior = self.constant - 0.08 * alpha * alpha;
        for (g, &b) in g_beta.iter_mut().zip(beta) {
            prior -= 0.5 * b * b;
            *g = -b;
        }
        for (row, &r) in self.x.chunks_exact(self.d).zip(eta_bar.iter()) {
            for (g, &xk) in g_beta.iter_mut().zip(row) {
                *g += r * xk;
            }
        }
        lp + prior
    }
}

/// `mu_a ~ N(0, 10)`, `sigma_a = e^{u₁} ~ HalfN(1)`, `a_raw_j ~ N(0, 1)`, `b ~ N(0, 10)`,
/// `sigma_y = e^{u_last} ~ HalfN(1)`, `yₙ ~ N(mu_a + sigma_a a_raw[gₙ] + b xₙ, sigma_y)`.
///
/// The likelihood is `−½ Σ rₙ² / sigma_y² − N u_last − N ½ ln 2π`: `ln sigma_y` once.
pub struct HierRadonLike {
    g: Vec<usize>,
    x: Vec<f64>,
    y: Vec<f64>,
    groups: usize,
    constant: f64,
}

impl HierRadonLike {
    /// From `data/hier_radon_like.json` (1-based group indices made 0-based).
    pub fn load(d: &Value) -> Result<Self, String> {
        let (n, j) = (count(d, "N")?, count(d, "J")?);
        let g = vector(d, "g", n)?
            .into_iter()
            .map(|g| {
                if g >= 1.0 && g <= j as f64 && g.fract() == 0.0 {
                    Ok(g as usize - 1)
                } else {
                    Err(format!("`g`: index {g} outside 1..={j}"))
                }
            })
            .collect::<Result<_, _>>()?;
        // mu_a, b: −ln 10 − ½ ln 2π each; sigma_a, sigma_y: ln 2 − ½ ln 2π each;
        // a_raw: J (−½ ln 2π); likelihood: N (−½ ln 2π).
        let constant = -2.0 * 10f64.ln() + 2.0 * 2f64.ln() - (4 + j + n) as f64 * HALF_LN_2PI;
        Ok(HierRadonLike {
            g,
            x: vector(d, "x", n)?,
            y: vector(d, "y", n)?,
            groups: j,
            constant,
        })
    }
}

impl HandWritten for HierRadonLike {
    fn dim(&self) -> usize {
        self.groups + 4
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let j = self.groups;
        let (mu_a, u_a, b, u_y) = (p[0], p[1], p[j + 2], p[j + 3]);
        let a_raw = &p[2..j + 2];
        let (sigma_a, sigma_y) = (u_a.exp(), u_y.exp());
        let inv_var = 1.0 / (sigma_y * sigma_y);
        let n = self.y.len() as f64;
        let mut lp = self.constant - 0.005 * (mu_a * mu_a + b * b) - 0.5 * sigma_a * sigma_a + u_a
            - 0.5 * sigma_y * sigma_y
            + u_y
            - n * u_y;
        // The a_raw block of the gradient collects Σ over each group's residuals.
        let g_a = &mut grad[2..j + 2];
        for (g, &a) in g_a.iter_mut().zip(a_raw) {
            lp -= 0.5 * a * a;
            *g = 0.0;
        }
        let (mut rr, mut d_mu, mut d_sa, mut d_b) = (0.0, 0.0, 0.0, 0.0);
        for ((&gn, &x), &y) in self.g.iter().zip(&self.x).zip(&self.y) {
            let a = a_raw[gn];
            let r = y - mu_a - sigma_a * a - b * x;
            rr += r * r;
            d_mu += r;
            d_sa += r * a;
            d_b += r * x;
            g_a[gn] += r;
        }
        lp -= 0.5 * rr * inv_var;
        let s = sigma_a * inv_var;
        for (g, &a) in g_a.iter_mut().zip(a_raw) {
            *g = *g * s - a;
        }
        grad[0] = d_mu * inv_var - 0.01 * mu_a;
        grad[1] = d_sa * s - sigma_a * sigma_a + 1.0;
        grad[j + 2] = d_b * inv_var - 0.01 * b;
        grad[j + 3] = rr * inv_var - n - sigma_y * sigma_y + 1.0;
        lp
    }
}

/// `mu ~ N(0, 10)`, `alpha0 = e^{u₁} ~ HalfN(1)`, `alpha1 = σ(u₂) ~ U(0, 1)`,
/// `beta1 = (1 − alpha1) σ(u₃) ~ U(0, 1 − alpha1)` (its prior cancels against its
/// Jacobian's `ln(1 − alpha1)`), and the GARCH(1,1) likelihood on variances
/// `v_t = sigma_t²`: `v_t = alpha0 + alpha1 (y_{t−1} − mu)² + beta1 v_{t−1}`,
/// `log p(y_t) = −½ (y_t − mu)² / v_t − ½ ln v_t − ½ ln 2π`.
///
/// One forward pass carrying the tangents of `v_t` with respect to
/// `(mu, alpha0, alpha1, beta1)` (four numbers, no stored history).
pub struct Garch11 {
    y: Vec<f64>,
    /// `sigma1²` (data).
    v1: f64,
    /// Prior and `t = 1` constants.
    constant: f64,
}

impl Garch11 {
    /// From `data/garch11.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let t = count(d, "T")?;
        let sigma1 = num(d, "sigma1")?;
        // mu: −ln 10 − ½ ln 2π; alpha0: ln 2 − ½ ln 2π; alpha1: −ln 1 + ln 1 = 0;
        // likelihood: T (−½ ln 2π), and − ln sigma1 at t = 1.
        let constant = -(10f64.ln()) + 2f64.ln() - (t as f64 + 2.0) * HALF_LN_2PI - sigma1.ln();
        if t == 0 {
            return Err("`y` is empty".into());
        }
        Ok(Garch11 {
            y: vector(d, "y", t)?,
            v1: sigma1 * sigma1,
            constant,
        })
    }
}

impl HandWritten for Garch11 {
    fn dim(&self) -> usize {
        4
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let mu = p[0];
        let alpha0 = p[1].exp();
        let (alpha1, log_j1) = logistic_and_log_jacobian(p[2]);
        let (s3, log_j3) = logistic_and_log_jacobian(p[3]);
        let beta1 = (1.0 - alpha1) * s3;

        let e0 = self.y[0] - mu;
        let mut lp =
            self.constant - 0.005 * mu * mu - 0.5 * alpha0 * alpha0 + p[1] + log_j1 + log_j3
                - 0.5 * e0 * e0 / self.v1;
        // Partials of lp w.r.t. (mu, alpha0, alpha1, beta1), and tangents of v.
        let (mut g_mu, mut g_a0, mut g_a1, mut g_b1) = (e0 / self.v1, 0.0, 0.0, 0.0);
        let (mut v_mu, mut v_a0, mut v_a1, mut v_b1) = (0.0, 0.0, 0.0, 0.0);
        let (mut v, mut e_prev) = (self.v1, e0);
        let mut half_ln_v = 0.0;
        for &y in &self.y[1..] {
            let e2 = e_prev * e_prev;
            v_mu = beta1 * v_mu - 2.0 * alpha1 * e_prev;
            v_a0 = beta1 * v_a0 + 1.0;
            v_a1 = beta1 * v_a1 + e2;
            v_b1 = beta1 * v_b1 + v;
            v = alpha0 + alpha1 * e2 + beta1 * v;
            let e = y - mu;
            let inv_v = 1.0 / v;
            let ee_v = e * e * inv_v;
            lp -= 0.5 * ee_v;
            half_ln_v += v.ln();
            // ∂lp_t/∂v = ½ (e²/v − 1)/v, ∂lp_t/∂mu (direct) = e/v.
            let d_v = 0.5 * (ee_v - 1.0) * inv_v;
            g_mu += e * inv_v + d_v * v_mu;
            g_a0 += d_v * v_a0;
            g_a1 += d_v * v_a1;
            g_b1 += d_v * v_b1;
            e_prev = e;
        }
        lp -= 0.5 * half_ln_v;
        grad[0] = g_mu - 0.01 * mu;
        grad[1] = g_a0 * alpha0 - alpha0 * alpha0 + 1.0;
        // beta1 = (1 − alpha1) s3 also moves with alpha1.
        grad[2] = (g_a1 - g_b1 * s3) * alpha1 * (1.0 - alpha1) + (1.0 - 2.0 * alpha1);
        grad[3] = g_b1 * (1.0 - alpha1) * s3 * (1.0 - s3) + (1.0 - 2.0 * s3);
        lp
    }
}

/// `decay_c = σ(u) ~ Beta(2, 2)`, `lambda_c = eᵘ ~ LogNormal(0, 1)`,
/// `beta_c = eᵘ ~ HalfN(2)`, `intercept ~ N(0, 5)`, `sigma = eᵘ ~ HalfN(1)`;
/// `a_{t,c} = x_{t,c} + decay_c a_{t−1,c}`,
/// `y_t ~ N(intercept + Σ_c beta_c a_{t,c} / (a_{t,c} + lambda_c), sigma)`.
///
/// Pass 1 (per channel) accumulates the mean into `scratch`; the residuals replace it;
/// pass 2 (per channel) recomputes the adstock with its tangent `∂a_t/∂decay_c` and
/// accumulates the channel's three partials. The prior of `decay` plus its Jacobian is
/// `ln 6 + 2 (ln σ(u) + ln σ(−u))`; that of `lambda` plus its Jacobian is `−½ u² − ½ ln 2π`.
pub struct MmmAdstock {
    /// Spend, row-major `T × C`.
    x: Vec<f64>,
    y: Vec<f64>,
    channels: usize,
    constant: f64,
}

impl MmmAdstock {
    /// From `data/mmm_adstock.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let (t, c) = (count(d, "T")?, count(d, "C")?);
        // decay: ln 6 each; lambda: −½ ln 2π each; beta (HalfN(2)): ln 2 − ½ ln 2π − ln 2
        // each; intercept: −ln 5 − ½ ln 2π; sigma: ln 2 − ½ ln 2π; likelihood: T (−½ ln 2π).
        let cf = c as f64;
        let constant = cf * 6f64.ln() - 2.0 * cf * HALF_LN_2PI - 5f64.ln() + 2f64.ln()
            - (t as f64 + 2.0) * HALF_LN_2PI;
        Ok(MmmAdstock {
            x: matrix(d, "x", t, c)?,
            y: vector(d, "y", t)?,
            channels: c,
            constant,
        })
    }
}

impl HandWritten for MmmAdstock {
    fn dim(&self) -> usize {
        3 * self.channels + 2
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], scratch: &mut Vec<f64>) -> f64 {
        let c_n = self.channels;
        let (intercept, u_sigma) = (p[3 * c_n], p[3 * c_n + 1]);
        let sigma = u_sigma.exp();
        let inv_var = 1.0 / (sigma * sigma);
        let t_n = self.y.len();
        let mut lp = self.constant - 0.02 * intercept * intercept - 0.5 * sigma * sigma + u_sigma
            - t_n as f64 * u_sigma;

        // Pass 1: mean.
        scratch.clear();
        scratch.resize(t_n, intercept);
        let mu = &mut scratch[..];
        for c in 0..c_n {
            let decay = logistic_and_log_jacobian(p[c]).0;
            let lambda = p[c_n + c].exp();
            let beta = p[2 * c_n + c].exp();
            let mut a = 0.0;
            for (m, row) in mu.iter_mut().zip(self.x.chunks_exact(c_n)) {
                a = row[c] + decay * a;
                *m += beta * a / (a + lambda);
            }
        }
        // Residuals / σ² (= ∂lp/∂mu_t) in place.
        let (mut rr, mut d_int) = (0.0, 0.0);
        for (m, &y) in mu.iter_mut().zip(&self.y) {
            let r = y - *m;
            rr += r * r;
            *m = r * inv_var;
            d_int += *m;
        }
        lp -= 0.5 * rr * inv_var;

        // Pass 2: per channel, adstock with its decay tangent.
        for c in 0..c_n {
            let (decay, log_j) = logistic_and_log_jacobian(p[c]);
            let u_lambda = p[c_n + c];
            let lambda = u_lambda.exp();
            let beta = p[2 * c_n + c].exp();
            lp += 2.0 * log_j - 0.5 * u_lambda * u_lambda - 0.125 * beta * beta + p[2 * c_n + c];
            let (mut a, mut a_dot) = (0.0, 0.0);
            let (mut d_decay, mut d_lambda, mut d_beta) = (0.0, 0.0, 0.0);
            for (&dm, row) in mu.iter().zip(self.x.chunks_exact(c_n)) {
                a_dot = a + decay * a_dot;
                a = row[c] + decay * a;
                let inv = 1.0 / (a + lambda);
                let sat = a * inv;
                // ∂sat/∂a = lambda/(a+λ)², ∂sat/∂λ = −a/(a+λ)².
                let dm_inv2 = dm * inv * inv;
                d_beta += dm * sat;
                d_lambda -= dm_inv2 * a;
                d_decay += dm_inv2 * lambda * a_dot;
            }
            grad[c] = d_decay * beta * decay * (1.0 - decay) + 2.0 * (1.0 - 2.0 * decay);
            grad[c_n + c] = d_lambda * beta * lambda - u_lambda;
            grad[2 * c_n + c] = d_beta * beta - 0.25 * beta * beta + 1.0;
        }
        grad[3 * c_n] = d_int - 0.04 * intercept;
        grad[3 * c_n + 1] = rr * inv_var - t_n as f64 - sigma * sigma + 1.0;
        lp
    }
}

/// `mu = 10 σ(u₀)` (uniform prior cancels against the Jacobian's `ln 10`),
/// `gamma = e^{u₁} ~ Gamma(aux + 1, tau)`, `n ~ Poisson(mu s + gamma b)`.
pub struct PoissonCounting {
    n: f64,
    s: f64,
    b: f64,
    tau: f64,
    /// Gamma shape `aux + 1`.
    shape: f64,
    /// `shape ln tau − ln Γ(shape) − ln Γ(n + 1)`.
    constant: f64,
}

impl PoissonCounting {
    /// From `data/poisson_counting.json`.
    pub fn load(d: &Value) -> Result<Self, String> {
        let n = count(d, "n")? as f64;
        let tau = num(d, "tau")?;
        let shape = num(d, "aux")? + 1.0;
        let constant = shape * tau.ln() - ppl::math::lgamma(shape) - ppl::math::lgamma(n + 1.0);
        Ok(PoissonCounting {
            n,
            s: num(d, "s")?,
            b: num(d, "b")?,
            tau,
            shape,
            constant,
        })
    }
}

impl HandWritten for PoissonCounting {
    fn dim(&self) -> usize {
        2
    }
    fn log_density_gradient(&self, p: &[f64], grad: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let (s0, log_j) = logistic_and_log_jacobian(p[0]);
        let gamma = p[1].exp();
        let rate = 10.0 * s0 * self.s + gamma * self.b;
        let d_rate = self.n / rate - 1.0;
        grad[0] = d_rate * self.s * 10.0 * s0 * (1.0 - s0) + (1.0 - 2.0 * s0);
        grad[1] = self.shape - self.tau * gamma + d_rate * self.b * gamma;
        log_j + self.constant + self.shape * p[1] - self.tau * gamma + self.n * rate.ln() - rate
    }
}

/// Something to do with a hand-written model of any type (see `models::Visitor`).
pub trait Visitor {
    /// What the visit returns.
    type Out;
    /// Does the work on the model `name`.
    fn visit<H: HandWritten>(self, name: &str, model: &H) -> Self::Out;
}

/// Builds the hand-written benchmark model `name` from its data file and calls `v.visit`.
pub fn visit<V: Visitor>(name: &str, data: &Value, v: V) -> Result<V::Out, String> {
    Ok(match name {
        "gauss50" => v.visit(name, &Gauss50::load(data)?),
        "linreg_tan" => v.visit(name, &LinregTan::load(data)?),
        "eight_schools_nc" => v.visit(name, &EightSchoolsNc::load(data)?),
        "logistic" => v.visit(name, &Logistic::load(data)?),
        "hier_radon_like" => v.visit(name, &HierRadonLike::load(data)?),
        "garch11" => v.visit(name, &Garch11::load(data)?),
        "mmm_adstock" => v.visit(name, &MmmAdstock::load(data)?),
        "poisson_counting" => v.visit(name, &PoissonCounting::load(data)?),
        other => return Err(format!("unknown benchmark model `{other}`")),
    })
}
