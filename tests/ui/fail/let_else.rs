use ppl::prelude::*;

#[model]
fn let_else(y: &[f64]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let Some(first) = y.first() else {
        return;
    };
    observe("y", Normal(mu, 1.0), *first);
}

fn main() {}
