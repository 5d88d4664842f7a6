// Times Stan's C++ gradient of one model: `stan::model::log_prob_grad<true, true>` (the call
// Stan's NUTS makes per leapfrog step: constants dropped, Jacobian included) in a C++ loop,
// timed with std::chrono. Built by peers.py against the model C++ that httpstan's `stanc`
// generates (`-DSTAN_MODEL_CPP="path"`) and the Stan/Stan Math headers bundled with httpstan,
// with the compiler flags httpstan uses for its model extension modules.
//
// Usage: stan_driver DATA.json POINT.txt [MILLIS]
//   POINT.txt: the unconstrained point, whitespace-separated, Stan's declaration order.
// Prints the log density and gradient at the point (`LP ...`, `GRAD ...`), then
// `RESULT stan <median µs per gradient> <min> <max> <batches> <batch size>`.

#include STAN_MODEL_CPP
#include <stan/io/json/json_data.hpp>
#include <stan/model/log_prob_grad.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Keeps the optimiser from dropping or hoisting the loop body.
inline void escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

double run(const stan_model& model, std::vector<double>& x, std::vector<int>& xi,
           std::vector<double>& grad, long n) {
  auto start = Clock::now();
  double acc = 0;
  for (long k = 0; k < n; ++k) {
    escape(x.data());
    acc += stan::model::log_prob_grad<true, true>(model, x, xi, grad, nullptr);
    escape(grad.data());
  }
  escape(&acc);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " DATA.json POINT.txt [MILLIS]\n";
    return 2;
  }
  double budget = argc > 3 ? std::stod(argv[3]) * 1e-3 : 1.0;
  std::ifstream data_stream(argv[1]);
  if (!data_stream) {
    std::cerr << "cannot open " << argv[1] << "\n";
    return 1;
  }
  stan::json::json_data data(data_stream);
  stan_model model(data, 0, &std::cerr);

  std::vector<double> x;
  {
    std::ifstream point(argv[2]);
    double v;
    while (point >> v) x.push_back(v);
  }
  if (x.size() != model.num_params_r()) {
    std::cerr << "point has " << x.size() << " coordinates, the model " << model.num_params_r()
              << "\n";
    return 1;
  }
  std::vector<int> xi;
  std::vector<double> grad(x.size());

  double lp = stan::model::log_prob_grad<true, true>(model, x, xi, grad, nullptr);
  std::printf("LP %.17g\nGRAD", lp);
  for (double g : grad) std::printf(" %.17g", g);
  std::printf("\n");

  // Warm-up and calibration of the batch size to about 10 ms.
  long n = 1;
  for (;;) {
    double t = run(model, x, xi, grad, n);
    if (t >= 0.01) break;
    n = t < 1e-4 ? n * 10 : static_cast<long>(n * 0.012 / t) + 1;
  }
  std::vector<double> per_call;
  auto start = Clock::now();
  while (per_call.size() < 5
         || std::chrono::duration<double>(Clock::now() - start).count() < budget) {
    per_call.push_back(run(model, x, xi, grad, n) * 1e6 / n);
  }
  std::sort(per_call.begin(), per_call.end());
  std::printf("RESULT stan %.6f %.6f %.6f %zu %ld\n", per_call[per_call.size() / 2],
              per_call.front(), per_call.back(), per_call.size(), n);
  return 0;
}
