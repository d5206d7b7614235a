//===- openblas_resmlp.cpp - hand-written OpenBLAS ResMLP baseline --------===//
//
// The ResMLP fixture (examples/resmlp.res) written by hand on cblas_sgemm:
// the baseline a careful C++ programmer would write without a compiler.
//
//   openblas_resmlp --workload forward|train_step --batch N [--threads T]
//                   [--iters K] [--warmup W] [--depth D] [--width W]
//       times K calls and prints "median_ms=<x> min_ms=<y> iters=<k>"
//       (the line of resrun --bench and torch_resmlp.py)
//   openblas_resmlp --check DIR --batch N --steps S --lr X [--depth D] [--width W]
//       reads DIR/params.bin (every tensor in state_dict order, f32),
//       DIR/x.bin (f32 [N, 784]) and DIR/y.bin (i32 [N]); writes the logits of
//       the first forward to DIR/logits.bin, runs S training steps printing
//       "step <i>: loss = <value>" and writes DIR/params_out.bin
//       (bench/check_openblas.py compares all of it with PyTorch)
//
// Layout: weights are PyTorch's ([out, in], row-major), all parameters live
// in one array in state_dict order, and gradients and momentum buffers in
// arrays of the same layout, so the optimizer is one loop. Every activation
// buffer is allocated once per batch size, outside the timed calls.
//
//===----------------------------------------------------------------------===//

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kIn = 784, kClasses = 10;

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "openblas_resmlp: error: %s\n", message.c_str());
  std::exit(1);
}

// A Linear layer's place in the parameter array.
struct Linear {
  int in = 0, out = 0;
  size_t w = 0, b = 0; // offsets of weight [out, in] and bias [out]
};

struct Net {
  int depth, width, hidden, batch;
  Linear stem, head;
  std::vector<Linear> fc1, fc2;
  std::vector<float> params, grads, momentum;
  bool firstStep = true; // torch.optim.SGD sets buf = g on the first step
  // Activations: h[i] is the input of block i (h[depth] feeds the head),
  // r[i] = relu(fc1(h[i])) of block i.
  std::vector<std::vector<float>> h, r;
  std::vector<float> logits, dlogits, dh, dr;

  Net(int depth, int width, int batch) : depth(depth), width(width), hidden(2 * width), batch(batch) {
    size_t size = 0;
    auto linear = [&](int in, int out) {
      Linear l{in, out, size, size + size_t(in) * out};
      size = l.b + out;
      return l;
    };
    stem = linear(kIn, width);
    for (int i = 0; i < depth; ++i) {
      fc1.push_back(linear(width, hidden));
      fc2.push_back(linear(hidden, width));
    }
    head = linear(width, kClasses);
    params.assign(size, 0.f);
    grads.assign(size, 0.f);
    momentum.assign(size, 0.f);
    h.assign(depth + 1, std::vector<float>(size_t(batch) * width));
    r.assign(depth, std::vector<float>(size_t(batch) * hidden));
    logits.resize(size_t(batch) * kClasses);
    dlogits.resize(logits.size());
    dh.resize(size_t(batch) * width);
    dr.resize(size_t(batch) * hidden);
  }

  // PyTorch's default Linear init: U(-1/sqrt(in), 1/sqrt(in)) for both.
  void init(uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto fill = [&](const Linear &l) {
      std::uniform_real_distribution<float> u(-1.f / std::sqrt(float(l.in)), 1.f / std::sqrt(float(l.in)));
      for (size_t i = l.w; i < l.b + l.out; ++i)
        params[i] = u(rng);
    };
    fill(stem);
    for (int i = 0; i < depth; ++i) {
      fill(fc1[i]);
      fill(fc2[i]);
    }
    fill(head);
  }

  // y = x W^T + b (+ y when accumulate: the residual add as the GEMM's beta).
  void linear(const Linear &l, const float *x, float *y, bool accumulate) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, l.out, l.in, 1.f, x, l.in,
                &params[l.w], l.in, accumulate ? 1.f : 0.f, y, l.out);
    const float *b = &params[l.b];
    for (int n = 0; n < batch; ++n)
      for (int j = 0; j < l.out; ++j)
        y[size_t(n) * l.out + j] += b[j];
  }

  static void relu(std::vector<float> &v) {
    for (float &x : v)
      x = std::max(x, 0.f);
  }

  void forward(const float *x) {
    linear(stem, x, h[0].data(), false);
    relu(h[0]);
    for (int i = 0; i < depth; ++i) {
      linear(fc1[i], h[i].data(), r[i].data(), false);
      relu(r[i]);
      h[i + 1] = h[i]; // the skip: fc2's GEMM accumulates onto it
      linear(fc2[i], r[i].data(), h[i + 1].data(), true);
    }
    linear(head, h[depth].data(), logits.data(), false);
  }

  // Mean softmax cross-entropy; dlogits = (softmax - onehot) / batch.
  float loss(const int32_t *y) {
    double total = 0;
    for (int n = 0; n < batch; ++n) {
      const float *z = &logits[size_t(n) * kClasses];
      float *dz = &dlogits[size_t(n) * kClasses];
      float m = *std::max_element(z, z + kClasses), sum = 0;
      for (int c = 0; c < kClasses; ++c)
        sum += dz[c] = std::exp(z[c] - m);
      total += std::log(sum) + m - z[y[n]];
      for (int c = 0; c < kClasses; ++c)
        dz[c] = (dz[c] / sum - (c == y[n])) / batch;
    }
    return float(total / batch);
  }

  // Weight and bias gradients of `l` from its output gradient dy and input x:
  // dW = dy^T x, db = sum over the batch of dy.
  void paramGrads(const Linear &l, const float *dy, const float *x) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l.out, l.in, batch, 1.f, dy, l.out, x,
                l.in, 0.f, &grads[l.w], l.in);
    float *db = &grads[l.b];
    std::fill(db, db + l.out, 0.f);
    for (int n = 0; n < batch; ++n)
      for (int j = 0; j < l.out; ++j)
        db[j] += dy[size_t(n) * l.out + j];
  }

  // dx (+)= dy W.
  void dataGrad(const Linear &l, const float *dy, float *dx, bool accumulate) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, l.in, l.out, 1.f, dy, l.out,
                &params[l.w], l.in, accumulate ? 1.f : 0.f, dx, l.in);
  }

  void backward(const float *x) {
    paramGrads(head, dlogits.data(), h[depth].data());
    dataGrad(head, dlogits.data(), dh.data(), false);
    for (int i = depth - 1; i >= 0; --i) {
      // dh is the gradient of h[i+1] = h[i] + fc2(relu(fc1(h[i]))).
      paramGrads(fc2[i], dh.data(), r[i].data());
      dataGrad(fc2[i], dh.data(), dr.data(), false);
      for (size_t k = 0; k < dr.size(); ++k)
        dr[k] = r[i][k] > 0 ? dr[k] : 0.f;
      paramGrads(fc1[i], dr.data(), h[i].data());
      dataGrad(fc1[i], dr.data(), dh.data(), true); // skip: dh[i] = dh[i+1] + J^T dh[i+1]
    }
    for (size_t k = 0; k < dh.size(); ++k)
      dh[k] = h[0][k] > 0 ? dh[k] : 0.f;
    paramGrads(stem, dh.data(), x);
  }

  // torch.optim.SGD(momentum=0.9, dampening=0, weight_decay=5e-4, nesterov=False).
  void sgd(float lr) {
    const float mu = 0.9f, wd = 5e-4f;
    for (size_t i = 0; i < params.size(); ++i) {
      float g = grads[i] + wd * params[i];
      momentum[i] = firstStep ? g : mu * momentum[i] + g;
      params[i] -= lr * momentum[i];
    }
    firstStep = false;
  }

  float trainStep(const float *x, const int32_t *y, float lr) {
    forward(x);
    float l = loss(y);
    backward(x);
    sgd(lr);
    return l;
  }
};

template <typename T> void readFile(const std::string &path, std::vector<T> &data) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f || std::fread(data.data(), sizeof(T), data.size(), f) != data.size() ||
      std::fgetc(f) != EOF)
    die("cannot read " + std::to_string(data.size()) + " values from " + path);
  std::fclose(f);
}

template <typename T> void writeFile(const std::string &path, const std::vector<T> &data) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data.data(), sizeof(T), data.size(), f) != data.size() || std::fclose(f))
    die("cannot write " + path);
}

long positive(const std::string &option, const char *text, long min = 1) {
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end || value < min)
    die(option + " needs an integer >= " + std::to_string(min) + ", not '" + text + "'");
  return value;
}

} // namespace

int main(int argc, char **argv) {
  std::string workload, checkDir;
  long batch = 0, threads = 1, iters = 10, warmup = 2, depth = 8, width = 512, steps = 1;
  float lr = 0.01f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc)
      die("option '" + a + "' needs a value");
    const char *v = argv[++i];
    if (a == "--workload") workload = v;
    else if (a == "--check") checkDir = v;
    else if (a == "--batch") batch = positive(a, v);
    else if (a == "--threads") threads = positive(a, v);
    else if (a == "--iters") iters = positive(a, v);
    else if (a == "--warmup") warmup = positive(a, v, 0);
    else if (a == "--depth") depth = positive(a, v, 0);
    else if (a == "--width") width = positive(a, v);
    else if (a == "--steps") steps = positive(a, v);
    else if (a == "--lr") lr = std::strtof(v, nullptr);
    else die("unknown option '" + a + "'");
  }
  if (batch == 0 || (checkDir.empty() && workload != "forward" && workload != "train_step"))
    die("usage: openblas_resmlp --workload forward|train_step --batch N [--threads T] "
        "[--iters K] [--warmup W] [--depth D] [--width W], or --check DIR --batch N --steps S --lr X");
  openblas_set_num_threads(int(threads));

  Net net(static_cast<int>(depth), static_cast<int>(width), static_cast<int>(batch));
  std::vector<float> x(static_cast<size_t>(batch) * kIn);
  std::vector<int32_t> y(static_cast<size_t>(batch));

  if (!checkDir.empty()) {
    readFile(checkDir + "/params.bin", net.params);
    readFile(checkDir + "/x.bin", x);
    readFile(checkDir + "/y.bin", y);
    net.forward(x.data());
    writeFile(checkDir + "/logits.bin", net.logits);
    for (long s = 1; s <= steps; ++s)
      std::printf("step %ld: loss = %.9g\n", s, double(net.trainStep(x.data(), y.data(), lr)));
    writeFile(checkDir + "/params_out.bin", net.params);
    return 0;
  }

  // Random inputs like resrun --bench: x ~ N(0, 1), labels uniform.
  net.init(1);
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int32_t> label(0, kClasses - 1);
  for (float &v : x)
    v = normal(rng);
  for (int32_t &v : y)
    v = label(rng);
  auto call = [&] {
    if (workload == "forward")
      net.forward(x.data());
    else
      net.trainStep(x.data(), y.data(), lr);
  };
  for (long i = 0; i < warmup; ++i)
    call();
  std::vector<double> ms;
  for (long i = 0; i < iters; ++i) {
    auto begin = std::chrono::steady_clock::now();
    call();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
  }
  double min = *std::min_element(ms.begin(), ms.end());
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  std::printf("median_ms=%.4f min_ms=%.4f iters=%ld\n", median, min, iters);
  return 0;
}
