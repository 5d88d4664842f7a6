use ppl::prelude::*;

#[model]
fn unsupported_data_type(y: Vec<f64>, scale: f32, counts: &[u32]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(mu, 1.0), y[0]);
}

fn main() {}
