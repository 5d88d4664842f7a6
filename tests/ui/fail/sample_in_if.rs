use ppl::prelude::*;

#[model]
fn sample_in_if(y: f64, robust: bool) {
    let sigma = sample("sigma", HalfNormal(1.0));
    if robust {
        let nu = sample("nu", Gamma(2.0, 0.1));
        observe("y", StudentT(nu, 0.0, sigma), y);
    } else {
        observe("y", Normal(0.0, sigma), y);
    }
}

fn main() {}
