//! The eight benchmark models (`../shared/bench/stan/<model>.stan`, data `../shared/bench/data/<model>.json`)
//! written with `#[model]`: same math, same parameterisation, same constraining transforms
//! and the same unconstrained order (Stan's declaration order) as the Stan programs, so
//! log densities agree with Stan's `log_prob` up to the constant Stan drops.
//!
//! Shared by the `bench_models` example (which checks them against Stan) and the
//! `gradients` bench (which times them): both include this file with `#[path]`.

#![allow(dead_code)]

use ppl::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

/// The benchmark models, in the order the tables list them.
pub const MODELS: [&str; 8] = [
    "gauss50",
    "linreg_tan",
    "eight_schools_nc",
    "logistic",
    "hier_radon_like",
    "garch11",
    "mmm_adstock",
    "poisson_counting",
];

/// `gauss50`: `x ~ N(0, 1)` i.i.d., `x ∈ R^D`.
#[model]
pub fn gauss50(d: usize) {
    let _x = sample("x", Normal(0.0, 1.0).iid(d));
}

/// `linreg_tan`: `theta ∈ (−π/2, π/2)` (uniform), `b_perp ~ N(0, 1)`, `m = tan(theta)`,
/// `b = b_perp / cos(theta)`, `y_n ~ N(m·x_n + b, yerr_n)`.
#[model]
pub fn linreg_tan(x: &[f64], y: &[f64], yerr: &[f64]) {
    let theta = sample(
        "theta",
        Uniform(-std::f64::consts::FRAC_PI_2, std::f64::consts::FRAC_PI_2),
    );
    let b_perp = sample("b_perp", Normal(0.0, 1.0));
    let m = theta.tan();
    let b = b_perp / theta.cos();
    deterministic("m", m);
    deterministic("b", b);
    for n in 0..x.len() {
        observe("y", Normal(m * x[n] + b, yerr[n]), y[n]);
    }
}

/// `eight_schools_nc`: `mu ~ N(0, 5)`, `tau ~ HalfCauchy(5)`, `theta_tilde ~ N(0, 1)`,
/// `theta = mu + tau·theta_tilde`, `y_j ~ N(theta_j, sigma_j)`.
#[model]
pub fn eight_schools_nc(y: &[f64], sigma: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let tau = sample("tau", HalfCauchy(5.0));
    let theta_tilde = sample("theta_tilde", Normal(0.0, 1.0).iid(y.len()));
    for j in 0..y.len() {
        let theta = mu + tau * theta_tilde[j];
        deterministic("theta", theta);
        observe("y", Normal(theta, sigma[j]), y[j]);
    }
}

/// `logistic`: `alpha ~ N(0, 2.5)`, `beta_d ~ N(0, 1)`,
/// `y_n ~ Bernoulli(logistic(alpha + X_n·beta))`.
#[model]
pub fn logistic(x: &[Vec<f64>], y: &[i64], d: usize) {
    let alpha = sample("alpha", Normal(0.0, 2.5));
    let beta = sample("beta", Normal(0.0, 1.0).iid(d));
    for n in 0..y.len() {
        let mut eta = alpha;
        for k in 0..d {
            eta += x[n][k] * beta[k];
        }
        observe("y", BernoulliLogit(eta), y[n]);
    }
}

/// `hier_radon_like`: `mu_a ~ N(0, 10)`, `sigma_a ~ HalfN(1)`, `a_raw_j ~ N(0, 1)`,
/// `b ~ N(0, 10)`, `sigma_y ~ HalfN(1)`,
/// `y_n ~ N(mu_a + sigma_a·a_raw[g_n] + b·x_n, sigma_y)` (`g` 0-based here).
#[model]
pub fn hier_radon_like(g: &[usize], x: &[f64], y: &[f64], groups: usize) {
    let mu_a = sample("mu_a", Normal(0.0, 10.0));
    let sigma_a = sample("sigma_a", HalfNormal(1.0));
    let a_raw = sample("a_raw", Normal(0.0, 1.0).iid(groups));
    let b = sample("b", Normal(0.0, 10.0));
    let sigma_y = sample("sigma_y", HalfNormal(1.0));
    for n in 0..y.len() {
        let mu = mu_a + sigma_a * a_raw[g[n]] + b * x[n];
        observe("y", Normal(mu, sigma_y), y[n]);
    }
}

/// `garch11`: `mu ~ N(0, 10)`, `alpha0 ~ HalfN(1)`, `alpha1 ~ U(0, 1)`,
/// `beta1 ~ U(0, 1 − alpha1)`, `sigma_1 = sigma1`,
/// `sigma_t = sqrt(alpha0 + alpha1·(y_{t−1} − mu)² + beta1·sigma_{t−1}²)`, `y_t ~ N(mu, sigma_t)`.
#[model]
pub fn garch11(y: &[f64], sigma1: f64) {
    let mu = sample("mu", Normal(0.0, 10.0));
    let alpha0 = sample("alpha0", HalfNormal(1.0));
    let alpha1 = sample("alpha1", Uniform(0.0, 1.0));
    let beta1 = sample("beta1", Uniform(0.0, 1.0 - alpha1));
    let mut sigma = sigma1;
    observe("y", Normal(mu, sigma), y[0]);
    for t in 1..y.len() {
        sigma = (alpha0 + alpha1 * (y[t - 1] - mu).powi(2) + beta1 * sigma * sigma).sqrt();
        observe("y", Normal(mu, sigma), y[t]);
    }
}

/// `mmm_adstock`: `decay_c ~ Beta(2, 2)`, `lambda_c ~ LogNormal(0, 1)`, `beta_c ~ HalfN(2)`,
/// `intercept ~ N(0, 5)`, `sigma ~ HalfN(1)`; adstock `a_{t,c} = x_{t,c} + decay_c·a_{t−1,c}`,
/// Hill saturation `a / (a + lambda_c)`,
/// `y_t ~ N(intercept + Σ_c beta_c·sat_c(a_{t,c}), sigma)`.
#[model]
pub fn mmm_adstock(x: &[Vec<f64>], y: &[f64], channels: usize) {
    let decay = sample("decay", Beta(2.0, 2.0).iid(channels));
    let lambda = sample("lambda", LogNormal(0.0, 1.0).iid(channels));
    let beta = sample("beta", HalfNormal(2.0).iid(channels));
    let intercept = sample("intercept", Normal(0.0, 5.0));
    let sigma = sample("sigma", HalfNormal(1.0));
    let mut mu = vec![0.0; y.len()];
    for t in 0..y.len() {
        mu[t] = intercept;
    }
    for c in 0..channels {
        let mut a = 0.0;
        for t in 0..y.len() {
            a = x[t][c] + decay[c] * a;
            mu[t] += beta[c] * a / (a + lambda[c]);
        }
    }
    for t in 0..y.len() {
        observe("y", Normal(mu[t], sigma), y[t]);
    }
}

/// `poisson_counting`: `mu ∈ (0, 10)` (uniform), `gamma ~ Gamma(aux + 1, tau)`,
/// `n ~ Poisson(mu·s + gamma·b)`.
#[model]
pub fn poisson_counting(n: i64, s: f64, b: f64, tau: f64, aux: f64) {
    let mu = sample("mu", Uniform(0.0, 10.0));
    let gamma = sample("gamma", Gamma(aux + 1.0, tau));
    observe("n", Poisson(mu * s + gamma * b), n);
}

/// Where the data live: `$PPL_BENCH_DATA` if set, else the project's shared
/// `../shared/bench/data` beside this repository (as on CI and developer machines).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("PPL_BENCH_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared")
            .join("bench")
            .join("data"),
    }
}

/// A model's data file, parsed.
pub fn load(name: &str) -> Result<Value, String> {
    let path = data_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn field<'a>(data: &'a Value, key: &str) -> Result<&'a Value, String> {
    data.get(key).ok_or_else(|| format!("data has no `{key}`"))
}

fn f64_of(data: &Value, key: &str) -> Result<f64, String> {
    field(data, key)?
        .as_f64()
        .ok_or_else(|| format!("`{key}` is not a number"))
}

fn i64_of(data: &Value, key: &str) -> Result<i64, String> {
    field(data, key)?
        .as_i64()
        .ok_or_else(|| format!("`{key}` is not an integer"))
}

fn usize_of(data: &Value, key: &str) -> Result<usize, String> {
    usize::try_from(i64_of(data, key)?).map_err(|_| format!("`{key}` is negative"))
}

fn list<'a>(data: &'a Value, key: &str, len: usize) -> Result<&'a Vec<Value>, String> {
    let v = field(data, key)?
        .as_array()
        .ok_or_else(|| format!("`{key}` is not a list"))?;
    if v.len() != len {
        return Err(format!("`{key}` has length {}, expected {len}", v.len()));
    }
    Ok(v)
}

fn vec_f64(data: &Value, key: &str, len: usize) -> Result<Vec<f64>, String> {
    list(data, key, len)?
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| format!("`{key}`: not a number")))
        .collect()
}

fn vec_i64(data: &Value, key: &str, len: usize) -> Result<Vec<i64>, String> {
    list(data, key, len)?
        .iter()
        .map(|v| v.as_i64().ok_or_else(|| format!("`{key}`: not an integer")))
        .collect()
}

fn matrix(data: &Value, key: &str, rows: usize, cols: usize) -> Result<Vec<Vec<f64>>, String> {
    list(data, key, rows)?
        .iter()
        .map(|row| {
            let row = row
                .as_array()
                .filter(|r| r.len() == cols)
                .ok_or_else(|| format!("`{key}`: a row is not a list of {cols}"))?;
            row.iter()
                .map(|v| v.as_f64().ok_or_else(|| format!("`{key}`: not a number")))
                .collect()
        })
        .collect()
}

fn built<M>(m: ppl::Result<M>) -> Result<M, String> {
    m.map_err(|e| e.to_string())
}

/// Something to do with a model of any type (a generic closure): [`visit`] builds the
/// named benchmark model from its data and hands it over, so timing loops are
/// monomorphised per model (no dynamic dispatch in the measured call).
pub trait Visitor {
    /// What the visit returns.
    type Out;
    /// Does the work on the model `name`.
    fn visit<M: Model>(self, name: &str, model: &M) -> Self::Out;
}

/// Builds benchmark model `name` from its data file and calls `v.visit` on it.
pub fn visit<V: Visitor>(name: &str, v: V) -> Result<V::Out, String> {
    let data = load(name)?;
    let d = &data;
    Ok(match name {
        "gauss50" => v.visit(name, &built(Gauss50::new(usize_of(d, "D")?))?),
        "linreg_tan" => {
            let n = usize_of(d, "N")?;
            let (x, y, yerr) = (
                vec_f64(d, "x", n)?,
                vec_f64(d, "y", n)?,
                vec_f64(d, "yerr", n)?,
            );
            v.visit(name, &built(LinregTan::new(&x, &y, &yerr))?)
        }
        "eight_schools_nc" => {
            let j = usize_of(d, "J")?;
            let (y, sigma) = (vec_f64(d, "y", j)?, vec_f64(d, "sigma", j)?);
            v.visit(name, &built(EightSchoolsNc::new(&y, &sigma))?)
        }
        "logistic" => {
            let (n, k) = (usize_of(d, "N")?, usize_of(d, "D")?);
            let (x, y) = (matrix(d, "X", n, k)?, vec_i64(d, "y", n)?);
            v.visit(name, &built(Logistic::new(&x, &y, k))?)
        }
        "hier_radon_like" => {
            let (n, j) = (usize_of(d, "N")?, usize_of(d, "J")?);
            // Stan's 1-based group indices to 0-based.
            let g = vec_i64(d, "g", n)?
                .into_iter()
                .map(|g| match usize::try_from(g) {
                    Ok(g) if (1..=j).contains(&g) => Ok(g - 1),
                    _ => Err(format!("`g`: index {g} outside 1..={j}")),
                })
                .collect::<Result<Vec<usize>, String>>()?;
            let (x, y) = (vec_f64(d, "x", n)?, vec_f64(d, "y", n)?);
            v.visit(name, &built(HierRadonLike::new(&g, &x, &y, j))?)
        }
        "garch11" => {
            let t = usize_of(d, "T")?;
            let y = vec_f64(d, "y", t)?;
            v.visit(name, &built(Garch11::new(&y, f64_of(d, "sigma1")?))?)
        }
        "mmm_adstock" => {
            let (t, c) = (usize_of(d, "T")?, usize_of(d, "C")?);
            let (x, y) = (matrix(d, "x", t, c)?, vec_f64(d, "y", t)?);
            v.visit(name, &built(MmmAdstock::new(&x, &y, c))?)
        }
        "poisson_counting" => v.visit(
            name,
            &built(PoissonCounting::new(
                i64_of(d, "n")?,
                f64_of(d, "s")?,
                f64_of(d, "b")?,
                f64_of(d, "tau")?,
                f64_of(d, "aux")?,
            ))?,
        ),
        other => return Err(format!("unknown benchmark model `{other}`")),
    })
}

/// One point of `bench/stan_reference.json`: an unconstrained point and Stan's
/// `log_prob` (Jacobian included, constants dropped) and gradient there.
#[derive(Clone, Debug)]
pub struct StanPoint {
    /// The unconstrained point, in Stan's declaration order.
    pub x: Vec<f64>,
    /// Stan's `log_prob<propto = true, jacobian = true>`.
    pub log_prob: f64,
    /// Stan's gradient of `log_prob`.
    pub grad: Vec<f64>,
}

/// Stan's reference points of model `name` (`bench/stan_reference.json`, written by
/// `bench/peers/stan_reference.py`). Point 0 is also where every implementation is timed.
pub fn stan_points(name: &str) -> Result<Vec<StanPoint>, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("bench")
        .join("stan_reference.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let all: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let points = all
        .get("models")
        .and_then(|m| m.get(name))
        .and_then(|m| m.get("points"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: no points for `{name}`", path.display()))?;
    let floats = |v: &Value, key: &str| -> Result<Vec<f64>, String> {
        v.get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{name}`: a point has no `{key}`"))?
            .iter()
            .map(|f| {
                f.as_f64()
                    .ok_or_else(|| format!("`{name}`.{key}: not a number"))
            })
            .collect()
    };
    points
        .iter()
        .map(|p| {
            Ok(StanPoint {
                x: floats(p, "x")?,
                log_prob: p
                    .get("log_prob")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| format!("`{name}`: a point has no `log_prob`"))?,
                grad: floats(p, "grad")?,
            })
        })
        .collect()
}
