//===- train.cpp - train a compiled model on Fashion-MNIST ------*- C++ -*-===//
//
//   resc examples/resmlp.res -o resmlp.so     (or examples/resnet8.res)
//   train_fmnist resmlp.so [--epochs 5] [--batch 64] [--lr 0.02] [--schedule cosine|constant] [--limit N]
//                [--data /usr/share/datasets/fashion-mnist] [--save params.safetensors]
//
// Every step runs the library's generated <Model>_train_step (forward, loss,
// backward and the model's own optimizer, compiled ahead of time); this
// program only shuffles, batches and reports. One line per epoch: mean
// training loss, train and test accuracy, samples per second and the seconds
// the epoch's training steps took (bench/fmnist_torch.py prints the same).
//
//===----------------------------------------------------------------------===//

#include "../common/ExampleSupport.h"

#include <zlib.h>

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

using example::check;
using example::die;
using example::tensor;

/// Reads a gzip'd IDX file (the MNIST format): big-endian magic, dims, bytes.
std::vector<uint8_t> readIdx(const std::string &path, std::vector<uint32_t> &dims) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    die("cannot open " + path + " (install Debian's dataset-fashion-mnist)");
  auto readU32 = [&](uint32_t &v) {
    unsigned char b[4];
    if (gzread(f, b, 4) != 4)
      die("truncated IDX header in " + path);
    v = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  };
  uint32_t magic;
  readU32(magic);
  if ((magic >> 8) != 0x08 || (magic & 0xff) == 0 || (magic & 0xff) > 4)
    die(path + " is not an unsigned-byte IDX file");
  size_t total = 1;
  dims.assign(magic & 0xff, 0);
  for (uint32_t &d : dims) {
    readU32(d);
    total *= d;
  }
  std::vector<uint8_t> data(total);
  if (gzread(f, data.data(), unsigned(total)) != int(total))
    die("truncated data in " + path);
  gzclose(f);
  return data;
}

struct Dataset {
  std::vector<float> images; // [n, 784], standardised
  std::vector<int32_t> labels;
  size_t size() const { return labels.size(); }
};

Dataset load(const std::string &dir, const char *prefix, size_t limit) {
  std::vector<uint32_t> idims, ldims;
  auto pixels = readIdx(dir + "/" + prefix + "-images-idx3-ubyte.gz", idims);
  auto labels = readIdx(dir + "/" + prefix + "-labels-idx1-ubyte.gz", ldims);
  if (idims.size() != 3 || idims[1] * idims[2] != 784 || ldims.size() != 1 || ldims[0] != idims[0])
    die(std::string("unexpected shapes in the ") + prefix + " set");
  size_t n = std::min<size_t>(idims[0], limit);
  Dataset d;
  d.images.resize(n * 784);
  // The usual Fashion-MNIST normalisation (mean 0.2860, std 0.3530).
  for (size_t i = 0; i < n * 784; ++i)
    d.images[i] = (pixels[i] / 255.0f - 0.2860f) / 0.3530f;
  d.labels.assign(labels.begin(), labels.begin() + n);
  return d;
}

/// The per-image dims of `entry`'s first input: [784] for an MLP declared
/// with x: f32[N, 784], [1, 28, 28] for a convolutional net's f32[N, 1, 28, 28].
/// The batch dim must be symbolic and the image dims must hold 784 values.
std::vector<int64_t> imageDims(const resc_model *model, const char *entry) {
  const resc_entry_desc *e = nullptr;
  check(resc_model_find_entry(model, entry, &e, nullptr));
  const resc_tensor_desc &x = e->inputs[0];
  std::vector<int64_t> dims(x.shape + std::min<int32_t>(x.rank, 1), x.shape + x.rank);
  int64_t values = 1;
  for (int64_t d : dims)
    values = d < 0 ? -1 : values * d;
  if (x.rank < 2 || x.shape[0] >= 0 || values != 784)
    die(std::string("'") + entry + "' takes '" + x.name +
        "' of rank " + std::to_string(x.rank) +
        "; expected [N, ...] with a symbolic batch dim N and 784 values per image");
  return dims;
}

/// An f32 tensor for `n` images of `dims`.
resc_tensor *batchTensor(size_t n, const std::vector<int64_t> &dims) {
  std::vector<int64_t> shape{int64_t(n)};
  shape.insert(shape.end(), dims.begin(), dims.end());
  return tensor(RESC_F32, shape);
}

/// Accuracy of `forward` over `data`, in batches.
double accuracy(const resc_model *model, resc_params *params, const Dataset &data,
                const std::vector<int64_t> &dims) {
  const size_t batch = 250; // a convolutional net's columns are K x K its input
  size_t correct = 0;
  for (size_t start = 0; start < data.size(); start += batch) {
    size_t n = std::min(batch, data.size() - start);
    resc_tensor *x = batchTensor(n, dims);
    std::memcpy(resc_tensor_data(x), &data.images[start * 784], n * 784 * sizeof(float));
    resc_tensor *logits = nullptr;
    const resc_tensor *in[] = {x};
    check(resc_run(model, "forward", params, in, 1, &logits, 1));
    const float *z = static_cast<const float *>(resc_tensor_data_const(logits));
    int64_t classes = resc_tensor_shape(logits)[1];
    for (size_t i = 0; i < n; ++i) {
      const float *row = z + i * classes;
      correct += std::max_element(row, row + classes) - row == data.labels[start + i];
    }
    resc_tensor_destroy(x);
    resc_tensor_destroy(logits);
  }
  return double(correct) / double(data.size());
}

} // namespace

int main(int argc, char **argv) {
  example::toolName = "train_fmnist";
  std::string modelPath, dataDir = "/usr/share/datasets/fashion-mnist", savePath;
  int epochs = 5;
  size_t batch = 64, limit = SIZE_MAX;
  float lr = 0.02f;
  bool cosine = true;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") epochs = std::atoi(value().c_str());
    else if (a == "--batch") batch = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--lr") lr = std::strtof(value().c_str(), nullptr);
    else if (a == "--schedule") {
      std::string v = value();
      if (v != "cosine" && v != "constant")
        die("--schedule must be 'cosine' or 'constant', not '" + v + "'");
      cosine = v == "cosine";
    }
    else if (a == "--limit") limit = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--data") dataDir = value();
    else if (a == "--save") savePath = value();
    else if (a == "--seed") seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (a[0] != '-' && modelPath.empty()) modelPath = a;
    else die("unknown argument '" + a + "'");
  }
  if (modelPath.empty() || epochs < 1 || batch < 1 || !(lr > 0))
    die("usage: train_fmnist MODEL.so [--epochs E] [--batch B] [--lr X] [--schedule cosine|constant] [--limit N] "
        "[--data DIR] [--save FILE] [--seed S]");

  resc_model *model = nullptr;
  check(resc_model_open(modelPath.c_str(), &model));
  resc_params *params = nullptr;
  check(resc_params_create(model, &params));
  check(resc_params_init(params, seed));
  // The image layout comes from the model: ResMLP takes [N, 784], ResNet8
  // [N, 1, 28, 28] (the same row-major bytes).
  std::vector<int64_t> dims = imageDims(model, "train_step");
  if (imageDims(model, "forward") != dims)
    die("'forward' and 'train_step' take differently shaped images");
  Dataset train = load(dataDir, "train", limit), test = load(dataDir, "t10k", SIZE_MAX);
  std::printf("training %s on %zu images (test %zu), batch %zu, lr %g (%s)\n", modelPath.c_str(),
              train.size(), test.size(), batch, double(lr), cosine ? "cosine" : "constant");

  std::vector<size_t> order(train.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::mt19937_64 rng(seed);
  resc_tensor *lrTensor = tensor(RESC_F32, {});
  // The learning rate is a run-time argument of train_step, so a schedule
  // costs nothing: cosine annealing from lr to 0 over all steps.
  const size_t stepsPerEpoch = order.size() / batch, totalSteps = stepsPerEpoch * epochs;
  size_t globalStep = 0;
  auto lrAt = [&](size_t t) {
    return cosine ? float(0.5 * lr * (1.0 + std::cos(M_PI * double(t) / double(totalSteps)))) : lr;
  };
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    auto begin = std::chrono::steady_clock::now();
    double lossSum = 0;
    size_t steps = 0;
    for (size_t start = 0; start + batch <= order.size(); start += batch) {
      resc_tensor *x = batchTensor(batch, dims);
      resc_tensor *y = tensor(RESC_I32, {int64_t(batch)});
      float *xd = static_cast<float *>(resc_tensor_data(x));
      int32_t *yd = static_cast<int32_t *>(resc_tensor_data(y));
      for (size_t i = 0; i < batch; ++i) {
        std::memcpy(xd + i * 784, &train.images[order[start + i] * 784], 784 * sizeof(float));
        yd[i] = train.labels[order[start + i]];
      }
      *static_cast<float *>(resc_tensor_data(lrTensor)) = lrAt(globalStep++);
      const resc_tensor *in[] = {x, y, lrTensor};
      resc_tensor *loss = nullptr;
      check(resc_run(model, "train_step", params, in, 3, &loss, 1));
      lossSum += *static_cast<const float *>(resc_tensor_data_const(loss));
      ++steps;
      resc_tensor_destroy(loss);
      resc_tensor_destroy(x);
      resc_tensor_destroy(y);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    double trainAcc = accuracy(model, params, train, dims),
           testAcc = accuracy(model, params, test, dims);
    std::printf("epoch %d: loss %.4f train_acc %.4f test_acc %.4f samples/s %.0f seconds %.1f\n",
                epoch, lossSum / double(std::max<size_t>(steps, 1)), trainAcc, testAcc,
                double(steps * batch) / seconds, seconds);
    std::fflush(stdout);
  }
  if (!savePath.empty())
    check(resc_params_save_safetensors(params, savePath.c_str()));
  resc_tensor_destroy(lrTensor);
  resc_params_destroy(params);
  resc_model_close(model);
  return 0;
}
