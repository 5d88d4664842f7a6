//! Writes Stan CSV files of a few small runs into a directory, for checking them with the
//! usual readers (`tests/reference/check_stan_csv.py` runs cmdstanpy and ArviZ on them):
//!
//! ```text
//! cargo run -p ppl-samplers --example stan_csv_files -- /tmp/stan_csv
//! python3 ppl-samplers/tests/reference/check_stan_csv.py /tmp/stan_csv
//! ```

#[path = "../src/test_models.rs"]
mod test_models;

use ppl_samplers::{Hmc, MetricKind, Nuts};
use test_models::{Correlated2d, EightSchools, Faulty};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "stan_csv".to_string()),
    );
    // Diagonal metric, written after the run.
    let fit = Nuts::new()
        .chains(4)
        .warmup(300)
        .draws(200)
        .seed(1)
        .model_name("eight_schools")
        .run(&EightSchools::default())?;
    fit.write_stan_csv(dir.join("diag/eight_schools"))?;
    // Dense metric with warm-up draws, streamed during the run.
    Nuts::new()
        .chains(2)
        .warmup(150)
        .draws(100)
        .seed(2)
        .metric(MetricKind::Dense)
        .save_warmup(true)
        .output_csv(dir.join("dense/correlated"))
        .run(&Correlated2d)?;
    // Divergences (a model that is NaN below −1.9).
    Nuts::new()
        .chains(2)
        .warmup(100)
        .draws(150)
        .seed(3)
        .output_csv(dir.join("divergent/faulty"))
        .run(&Faulty {
            fail_above: f64::MAX,
        })?;
    // Static HMC.
    Hmc::new(8)
        .chains(2)
        .warmup(100)
        .draws(100)
        .seed(4)
        .output_csv(dir.join("hmc/eight_schools"))
        .run(&EightSchools::default())?;
    println!("{}", fit.summary());
    Ok(())
}
