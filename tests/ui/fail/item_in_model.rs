use ppl::prelude::*;

#[model]
fn item_in_model(y: f64) {
    fn square(x: f64) -> f64 {
        x * x
    }
    let mu = sample("mu", Normal(0.0, 1.0));
    observe("y", Normal(square(mu), 1.0), y);
}

fn main() {}
