//! Eight schools (non-centred): the model written with `#[model]`, its gradient checked
//! against finite differences, then sampled with NUTS (4 chains in parallel).
//!
//! Run: `cargo run --release --example eight_schools`

use ppl::prelude::*;

/// Eight schools, non-centred parameterisation (Rubin 1981; Gelman et al., BDA).
#[model]
pub fn eight_schools(y: &[f64], sigma: &[f64]) {
    let mu = sample("mu", Normal(0.0, 5.0));
    let tau = sample("tau", HalfCauchy(5.0));
    let theta_tilde = sample("theta_tilde", Normal(0.0, 1.0).iid(y.len()));
    for j in 0..y.len() {
        let theta = mu + tau * theta_tilde[j];
        deterministic("theta", theta);
        observe("y", Normal(theta, sigma[j]), y[j]);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    let sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];
    let model = EightSchools::new(&y, &sigma)?;
    print!("{}", model.describe());

    let report = ppl::testing::check_gradients(&model)?;
    println!(
        "gradient, JVP and Hessian-vector product agree with finite differences at {} points \
         (worst coordinate: {}, {:.2} error bounds)",
        report.points_checked, report.worst_coordinate, report.worst_ratio
    );

    let fit = Nuts::new()
        .chains(4)
        .warmup(1000)
        .draws(1000)
        .seed(42)
        .run(&model)?;
    println!("{}", fit.summary());
    let tau = fit.draws("tau");
    println!(
        "{} draws of tau, posterior mean {:.3}; {} divergences",
        tau.len(),
        tau.iter().sum::<f64>() / tau.len() as f64,
        fit.num_divergences()
    );
    Ok(())
}
