//===- train.cpp - train a compiled byte-level language model --*- C++ -*-===//
//
//   resc examples/tinylm.res -o tinylm.so
//   train_tinylm tinylm.so [--steps 400] [--batch 8] [--seq 128] [--lr 0.003]
//                [--corpus /usr/share/common-licenses] [--sample 300]
//                [--prompt "The "] [--temperature 0.8] [--seed 1] [--save FILE]
//
// The corpus is every regular file of a directory (symbolic links skipped, so
// GPL -> GPL-3 is read once), as bytes: the licence texts are on every Debian
// machine. 95% of it trains, the last 5% measures the validation loss.
// Every step runs the library's generated <Model>_train_step on `batch`
// random windows of `seq + 1` bytes (predict byte t + 1 from bytes <= t);
// the learning rate warms up linearly, then follows a cosine to 10%.
// Afterwards the program samples text byte by byte through the compiled
// `forward`, feeding back at most the last `seq` bytes.
//
//===----------------------------------------------------------------------===//

#include "../common/ExampleSupport.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

using example::check;
using example::die;
using example::tensor;

/// The bytes of every regular file in `dir`, in name order.
std::string readCorpus(const std::string &dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (!it->is_symlink() && it->is_regular_file())
      files.push_back(it->path());
  if (ec)
    die("cannot read the corpus directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::string text;
  for (const fs::path &p : files) {
    std::ifstream in(p, std::ios::binary);
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return text;
}

/// `batch` windows of `seq + 1` bytes starting at `starts`: inputs and targets.
void fillBatch(const std::string &text, const std::vector<size_t> &starts, size_t seq,
               resc_tensor *tokens, resc_tensor *next) {
  auto *x = static_cast<int32_t *>(resc_tensor_data(tokens));
  auto *y = static_cast<int32_t *>(resc_tensor_data(next));
  for (size_t b = 0; b < starts.size(); ++b)
    for (size_t t = 0; t < seq; ++t) {
      x[b * seq + t] = static_cast<unsigned char>(text[starts[b] + t]);
      y[b * seq + t] = static_cast<unsigned char>(text[starts[b] + t + 1]);
    }
}

/// Mean loss (the `loss` entry) over evenly spaced windows of `text`.
double evalLoss(const resc_model *model, resc_params *params, const std::string &text,
                size_t batch, size_t seq) {
  std::vector<size_t> starts(batch);
  size_t span = text.size() - seq - 1;
  for (size_t b = 0; b < batch; ++b)
    starts[b] = span * b / batch;
  resc_tensor *x = tensor(RESC_I32, {int64_t(batch), int64_t(seq)});
  resc_tensor *y = tensor(RESC_I32, {int64_t(batch), int64_t(seq)});
  fillBatch(text, starts, seq, x, y);
  const resc_tensor *in[] = {x, y};
  resc_tensor *loss = nullptr;
  check(resc_run(model, "loss", params, in, 2, &loss, 1));
  double value = *static_cast<const float *>(resc_tensor_data_const(loss));
  resc_tensor_destroy(loss);
  resc_tensor_destroy(x);
  resc_tensor_destroy(y);
  return value;
}

/// Continues `prompt` by `count` bytes sampled from softmax(logits / temperature).
std::string sample(const resc_model *model, resc_params *params, std::string prompt,
                   size_t count, size_t seq, double temperature, std::mt19937_64 &rng) {
  std::string out;
  std::vector<double> p(256);
  for (size_t i = 0; i < count; ++i) {
    std::string context = prompt + out;
    if (context.size() > seq)
      context = context.substr(context.size() - seq);
    int64_t t = int64_t(context.size());
    resc_tensor *x = tensor(RESC_I32, {1, t});
    auto *xd = static_cast<int32_t *>(resc_tensor_data(x));
    for (int64_t j = 0; j < t; ++j)
      xd[j] = static_cast<unsigned char>(context[j]);
    const resc_tensor *in[] = {x};
    resc_tensor *logits = nullptr;
    check(resc_run(model, "forward", params, in, 1, &logits, 1));
    const float *z = static_cast<const float *>(resc_tensor_data_const(logits)) + (t - 1) * 256;
    double top = *std::max_element(z, z + 256), sum = 0;
    for (int v = 0; v < 256; ++v)
      sum += p[v] = std::exp((z[v] - top) / temperature);
    double u = std::uniform_real_distribution<double>(0, sum)(rng);
    int v = 0;
    while (v < 255 && (u -= p[v]) > 0)
      ++v;
    out.push_back(static_cast<char>(v));
    resc_tensor_destroy(logits);
    resc_tensor_destroy(x);
  }
  return out;
}

/// Printable text: bytes outside ASCII 32..126 (but newlines) become \xNN.
std::string printable(const std::string &s) {
  std::string out;
  char buf[8];
  for (unsigned char c : s) {
    if (c == '\n' || (c >= 32 && c < 127)) {
      out.push_back(char(c));
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

} // namespace

int main(int argc, char **argv) {
  example::toolName = "train_tinylm";
  std::string modelPath, corpusDir = "/usr/share/common-licenses", savePath, prompt = "The ";
  size_t steps = 400, batch = 8, seq = 128, sampleBytes = 300, every = 25;
  float lr = 3e-3f;
  double temperature = 0.8;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die(a + " needs a value");
      return argv[++i];
    };
    auto count = [&]() {
      std::string v = value();
      char *end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end || v[0] == '-')
        die(a + " needs a non-negative integer, not '" + v + "'");
      return size_t(n);
    };
    if (a == "--steps") steps = count();
    else if (a == "--batch") batch = count();
    else if (a == "--seq") seq = count();
    else if (a == "--lr") lr = std::strtof(value().c_str(), nullptr);
    else if (a == "--corpus") corpusDir = value();
    else if (a == "--sample") sampleBytes = count();
    else if (a == "--prompt") prompt = value();
    else if (a == "--temperature") temperature = std::strtod(value().c_str(), nullptr);
    else if (a == "--every") every = count();
    else if (a == "--seed") seed = count();
    else if (a == "--save") savePath = value();
    else if (a[0] != '-' && modelPath.empty()) modelPath = a;
    else die("unknown argument '" + a + "'");
  }
  if (modelPath.empty() || batch < 1 || seq < 1 || every < 1 || !(lr > 0) || !(temperature > 0))
    die("usage: train_tinylm MODEL.so [--steps S] [--batch B] [--seq T] [--lr X] [--corpus DIR] "
        "[--sample K] [--prompt TEXT] [--temperature X] [--every K] [--seed S] [--save FILE]");
  if (prompt.empty())
    die("--prompt must not be empty (sampling needs at least one byte of context)");

  std::string text = readCorpus(corpusDir);
  size_t split = text.size() / 20 * 19;
  if (split < seq + 2 || text.size() - split < seq + 2)
    die("the corpus in " + corpusDir + " has " + std::to_string(text.size()) +
        " bytes, too few for windows of " + std::to_string(seq + 1));
  std::string train = text.substr(0, split), valid = text.substr(split);

  resc_model *model = nullptr;
  check(resc_model_open(modelPath.c_str(), &model));
  resc_params *params = nullptr;
  check(resc_params_create(model, &params));
  check(resc_params_init(params, seed));
  std::printf("training %s on %zu bytes of %s (validation %zu), batch %zu x %zu, lr %g\n",
              modelPath.c_str(), train.size(), corpusDir.c_str(), valid.size(), batch, seq,
              double(lr));
  std::printf("step 0: val_loss %.4f\n", evalLoss(model, params, valid, batch, seq));
  std::fflush(stdout);

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, train.size() - seq - 2);
  resc_tensor *x = tensor(RESC_I32, {int64_t(batch), int64_t(seq)});
  resc_tensor *y = tensor(RESC_I32, {int64_t(batch), int64_t(seq)});
  resc_tensor *lrTensor = tensor(RESC_F32, {});
  const size_t warmup = std::min<size_t>(steps / 10, 50);
  double lossSum = 0, seconds = 0;
  size_t window = 0;
  std::vector<size_t> starts(batch);
  for (size_t step = 1; step <= steps; ++step) {
    for (size_t &s : starts)
      s = pick(rng);
    fillBatch(train, starts, seq, x, y);
    double progress = double(step - 1 - std::min(step - 1, warmup)) /
                      double(std::max<size_t>(steps - warmup, 1));
    double rate = step <= warmup ? lr * double(step) / double(warmup)
                                 : lr * (0.1 + 0.45 * (1 + std::cos(M_PI * progress)));
    *static_cast<float *>(resc_tensor_data(lrTensor)) = float(rate);
    const resc_tensor *in[] = {x, y, lrTensor};
    resc_tensor *loss = nullptr;
    auto begin = std::chrono::steady_clock::now();
    check(resc_run(model, "train_step", params, in, 3, &loss, 1));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    lossSum += *static_cast<const float *>(resc_tensor_data_const(loss));
    ++window;
    resc_tensor_destroy(loss);
    if (step % every == 0 || step == steps) {
      std::printf("step %zu: loss %.4f val_loss %.4f tokens/s %.0f\n", step,
                  lossSum / double(window), evalLoss(model, params, valid, batch, seq),
                  double(step * batch * seq) / seconds);
      std::fflush(stdout);
      lossSum = 0;
      window = 0;
    }
  }
  if (!savePath.empty())
    check(resc_params_save_safetensors(params, savePath.c_str()));
  if (sampleBytes) {
    std::string generated = sample(model, params, prompt, sampleBytes, seq, temperature, rng);
    std::printf("sample (%zu bytes, temperature %g):\n%s%s\n", generated.size(), temperature,
                printable(prompt).c_str(), printable(generated).c_str());
  }
  resc_tensor_destroy(x);
  resc_tensor_destroy(y);
  resc_tensor_destroy(lrTensor);
  resc_params_destroy(params);
  resc_model_close(model);
  return 0;
}
