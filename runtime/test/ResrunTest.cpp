//===- ResrunTest.cpp - black-box tests of the resrun tool ----------------===//
//
// Each test runs the real binary on the fake model and checks the exit
// status and the exact message, as a user or a script would see them.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace resc::test;
using testing::HasSubstr;
using testing::StartsWith;

namespace {

struct Outcome {
  bool exited = false; // false: killed by a signal
  int code = -1;
  std::string out, err;
};

// Runs resrun with `args`, capturing stdout and stderr in files of `dir`.
Outcome resrun(const TempDir &dir, const std::vector<std::string> &args) {
  std::string outPath = dir.file("stdout"), errPath = dir.file("stderr");
  std::vector<char *> argv;
  std::string program = RESC_RESRUN;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (std::string &arg : copies)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
      _exit(127);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  Outcome outcome;
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    ADD_FAILURE() << "cannot run " << program;
    return outcome;
  }
  outcome.exited = WIFEXITED(status);
  outcome.code = outcome.exited ? WEXITSTATUS(status) : -1;
  outcome.out = readBytes(outPath);
  outcome.err = readBytes(errPath);
  return outcome;
}

class Resrun : public ::testing::Test {
protected:
  void SetUp() override {
    tiny = modelPath("tiny");
    x = dir.file("x.npy");
    resc_tensor *input = makeTensor<float>(RESC_F32, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    RESC_ASSERT_OK(resc_npy_write(input, x.c_str()));
    resc_tensor_destroy(input);
  }

  // resrun succeeds; returns its stdout.
  std::string succeed(const std::vector<std::string> &args) {
    Outcome outcome = resrun(dir, args);
    EXPECT_TRUE(outcome.exited);
    EXPECT_EQ(outcome.code, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "");
    return outcome.out;
  }

  // resrun exits with status 1 (not a signal) and its stderr starts with
  // "resrun: error: " followed by `message`; runtime errors are one line.
  void fail(const std::vector<std::string> &args, const std::string &message,
            bool usage = false) {
    Outcome outcome = resrun(dir, args);
    EXPECT_TRUE(outcome.exited) << "killed by a signal";
    EXPECT_EQ(outcome.code, 1);
    std::string firstLine = outcome.err.substr(0, outcome.err.find('\n'));
    EXPECT_THAT(firstLine, StartsWith("resrun: error: "));
    EXPECT_THAT(firstLine, HasSubstr(message));
    if (usage)
      EXPECT_THAT(outcome.err, HasSubstr("usage: resrun MODEL.so [options]"));
    else
      EXPECT_EQ(outcome.err, firstLine + "\n");
  }

  // The f32 data of the .npy file at `path`.
  static std::vector<float> readFloats(const std::string &path) {
    resc_tensor *tensor = nullptr;
    resc_error *error = resc_npy_read(path.c_str(), &tensor);
    if (error) {
      ADD_FAILURE() << takeMessage(error);
      return {};
    }
    const float *data = static_cast<const float *>(resc_tensor_data(tensor));
    std::vector<float> values(data, data + resc_tensor_numel(tensor));
    resc_tensor_destroy(tensor);
    return values;
  }

  TempDir dir;
  std::string tiny, x;
};

TEST_F(Resrun, InitSaveLoadAndRunForward) {
  std::string p = dir.file("p.safetensors"), y = dir.file("y.npy");
  succeed({tiny, "--init-params", "11", "--save-params", p});
  succeed({tiny, "--params", p, "--input", x, "--output", y});
  std::vector<float> fromFile = readFloats(y);
  ASSERT_EQ(fromFile.size(), 6u);

  // The same numbers as running the runtime directly on the same parameters.
  resc_model *model = nullptr;
  RESC_ASSERT_OK(resc_model_open(tiny.c_str(), &model));
  resc_params *params = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &params));
  RESC_ASSERT_OK(resc_params_load_safetensors(params, p.c_str()));
  resc_tensor *input = nullptr, *output = nullptr;
  RESC_ASSERT_OK(resc_npy_read(x.c_str(), &input));
  RESC_ASSERT_OK(resc_run(model, "forward", params, &input, 1, &output, 1));
  EXPECT_EQ(std::memcmp(resc_tensor_data(output), fromFile.data(), 24), 0);
  resc_tensor_destroy(output);
  resc_tensor_destroy(input);
  resc_params_destroy(params);
  resc_model_close(model);

  // --init-params with the same seed can stand in for --params.
  std::string y2 = dir.file("y2.npy");
  succeed({tiny, "--init-params=11", "--input=" + x, "--output=" + y2});
  EXPECT_EQ(readBytes(y), readBytes(y2));
}

TEST_F(Resrun, RunsAnotherEntryWithSeveralOutputs) {
  std::string sum = dir.file("sum.npy"), total = dir.file("total.npy");
  succeed({tiny, "--init-params", "0", "--entry", "pair", "--input", x, "--input", x, "--output",
           sum, "--output", total});
  EXPECT_EQ(readFloats(sum)[8], 18.0f);
  resc_tensor *totals = nullptr;
  RESC_ASSERT_OK(resc_npy_read(total.c_str(), &totals));
  EXPECT_EQ(resc_tensor_dtype(totals), RESC_F64);
  EXPECT_EQ(static_cast<double *>(resc_tensor_data(totals))[2], 48.0);
  resc_tensor_destroy(totals);
}

TEST_F(Resrun, PrintsInfo) {
  std::string out = succeed({tiny, "--info"});
  EXPECT_THAT(out, HasSubstr("model Tiny (resc ABI 1)\ndims: N M\n"));
  EXPECT_THAT(out, HasSubstr("entry forward (symbol Tiny_forward)\n  input  x: f32 [N, 3]\n"
                             "  output y: f32 [N, 2]\n"));
  EXPECT_THAT(out, HasSubstr("  norm.weight: param f32 [2] offset 72 bytes 8 init ones\n"));
  EXPECT_THAT(out, HasSubstr("  steps: buffer i64 [] offset 128 bytes 8 init zeros\n"));
}

TEST_F(Resrun, HelpGoesToStdout) {
  EXPECT_THAT(succeed({"--help"}), StartsWith("usage: resrun MODEL.so [options]\n"));
}

TEST_F(Resrun, RefusesBadArgumentsWithUsage) {
  fail({}, "no model library given", true);
  fail({tiny, "--frobnicate", "1"}, "unknown option '--frobnicate'", true);
  fail({tiny, "--input"}, "option '--input' needs a value", true);
  fail({tiny, "--init-params", "-3"}, "--init-params needs an unsigned 64-bit integer seed, not '-3'",
       true);
  fail({tiny, "--init-params", "18446744073709551616", "--info"}, "not '18446744073709551616'",
       true);
  fail({tiny, "--params", "p", "--init-params", "1", "--info"},
       "--params and --init-params exclude each other", true);
  fail({tiny}, "nothing to do", true);
  fail({tiny, tiny, "--info"}, "unexpected argument", true);
  fail({tiny, "--save-params", "p"}, "--save-params needs --params or --init-params", true);
}

TEST_F(Resrun, RefusesModelsThatAreNot) {
  fail({dir.file("absent.so"), "--info"}, "cannot load model library '" + dir.file("absent.so"));
  fail({modelPath("not_a_model"), "--info"}, "does not export 'resc_model_info'");
  fail({modelPath("tiny_wrong_version"), "--info"}, "was built for resc ABI version 99");
  fail({modelPath("tiny_overlap"), "--info"}, "overlap");
}

TEST_F(Resrun, RefusesBadParameterFiles) {
  fail({tiny, "--params", dir.file("none.safetensors"), "--input", x, "--output", dir.file("y")},
       "cannot open '" + dir.file("none.safetensors") + "': No such file or directory");
  std::string bad = dir.file("bad.safetensors");
  writeBytes(bad, safetensorsBytes("{\"fc.weight\": 1", ""));
  fail({tiny, "--params", bad, "--input", x, "--output", dir.file("y")}, "invalid JSON at byte");

  // A file for another shape of fc.weight.
  std::string p = dir.file("p.safetensors");
  succeed({tiny, "--init-params", "1", "--save-params", p});
  std::string bytes = readBytes(p);
  size_t at = bytes.find("[2,3]");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 5, "[3,2]");
  writeBytes(p, bytes);
  fail({tiny, "--params", p, "--input", x, "--output", dir.file("y")},
       "tensor 'fc.weight' has shape [3, 2] in the file but [2, 3] in model 'Tiny'");
}

TEST_F(Resrun, RefusesBadInputs) {
  std::string y = dir.file("y.npy");
  fail({tiny, "--init-params", "1", "--input", dir.file("none.npy"), "--output", y},
       "cannot open '" + dir.file("none.npy") + "'");
  std::string junk = dir.file("junk.npy");
  writeBytes(junk, "\x93NUMPY junk");
  fail({tiny, "--init-params", "1", "--input", junk, "--output", y}, "cannot read '" + junk + "'");
  std::string wide = dir.file("wide.npy");
  resc_tensor *tensor = makeTensor<float>(RESC_F32, {2, 4}, std::vector<float>(8));
  RESC_ASSERT_OK(resc_npy_write(tensor, wide.c_str()));
  resc_tensor_destroy(tensor);
  fail({tiny, "--init-params", "1", "--input", wide, "--output", y},
       "input 'x' (#0) dim 1 is 4 but must be 3 (shape [N, 3])");
  fail({tiny, "--init-params", "1", "--input", x, "--input", x, "--output", y},
       "takes 1 input(s), but 2 were given");
  fail({tiny, "--init-params", "1", "--input", x}, "entry 'forward' has 1 output(s), but 0");
  fail({tiny, "--input", x, "--output", y},
       "model 'Tiny' has parameters: give --params FILE or --init-params SEED");
  fail({tiny, "--init-params", "1", "--entry", "backward", "--input", x, "--output", y},
       "no entry point 'backward' (it has: forward, pair, labels)");
  EXPECT_FALSE(std::ifstream(y).good()) << "no output after a failure";
}

TEST_F(Resrun, ReportsAnEntryFailure) {
  std::string labels = dir.file("labels.npy");
  resc_tensor *tensor = makeTensor<int64_t>(RESC_I64, {2}, {1, 5});
  RESC_ASSERT_OK(resc_npy_write(tensor, labels.c_str()));
  resc_tensor_destroy(tensor);
  fail({tiny, "--init-params", "1", "--entry", "labels", "--input", labels, "--output",
        dir.file("count.npy")},
       "entry 'labels' of model 'Tiny' failed: a class label is outside [0, C) (status 1)");
}

// --train-steps on "tiny_train" (tiny with SGD-with-momentum state and a
// train_step entry, models/TinyModel.c).
class ResrunTrain : public Resrun {
protected:
  void SetUp() override {
    Resrun::SetUp();
    train = modelPath("tiny_train");
    t = dir.file("t.npy");
    resc_tensor *target = makeTensor<float>(RESC_F32, {3, 2}, {1, 0, 0, 1, 1, 1});
    RESC_ASSERT_OK(resc_npy_write(target, t.c_str()));
    resc_tensor_destroy(target);
  }

  // The lines of `text`.
  static std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    size_t begin = 0;
    for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1)
      out.push_back(text.substr(begin, end - begin));
    EXPECT_EQ(begin, text.size()) << "output ends with a newline";
    return out;
  }

  std::string train, t;
};

TEST_F(ResrunTrain, RunsKStepsPrintingEachLossAndUpdatesTheParams) {
  std::string p0 = dir.file("p0.safetensors"), p1 = dir.file("p1.safetensors");
  std::string s1 = dir.file("s1.safetensors");
  succeed({train, "--init-params", "3", "--save-params", p0});
  std::string out = succeed({train, "--params", p0, "--input", x, "--input", t, "--train-steps",
                             "3", "--lr", "0.001", "--save-params", p1, "--save-state", s1});
  std::vector<std::string> steps = lines(out);
  ASSERT_EQ(steps.size(), 3u) << out;
  std::vector<double> losses;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string prefix = "step " + std::to_string(i + 1) + ": loss = ";
    ASSERT_THAT(steps[i], StartsWith(prefix));
    losses.push_back(std::stod(steps[i].substr(prefix.size())));
  }
  EXPECT_LT(losses[1], losses[0]);
  EXPECT_LT(losses[2], losses[1]);
  EXPECT_NE(readBytes(p0), readBytes(p1)) << "training changed the parameters";
  EXPECT_EQ(readBytes(p0).size(), readBytes(p1).size());
  EXPECT_EQ(readBytes(p1).find("momentum_buffer"), std::string::npos);

  // The state file holds three steps of momentum.
  resc_model *model = nullptr;
  RESC_ASSERT_OK(resc_model_open(train.c_str(), &model));
  resc_params *params = nullptr;
  RESC_ASSERT_OK(resc_params_create(model, &params));
  RESC_ASSERT_OK(resc_state_load_safetensors(params, s1.c_str()));
  const resc_tensor_desc *desc = nullptr;
  void *step = nullptr;
  RESC_ASSERT_OK(resc_params_find(params, "optimizer.step", &desc, &step));
  EXPECT_EQ(*static_cast<float *>(step), 3.0f);
  resc_params_destroy(params);
  resc_model_close(model);

  // The first step's loss is the one the same parameters give.
  std::string again = succeed({train, "--params", p0, "--input=" + x, "--input=" + t,
                               "--train-steps=1", "--lr=0.5"});
  EXPECT_EQ(again, steps[0] + "\n");
}

TEST_F(ResrunTrain, ResumesFromTheParamsAndStateFiles) {
  std::string p = dir.file("p.safetensors"), s = dir.file("s.safetensors");
  std::string straight = dir.file("straight.safetensors");
  std::string resumed = dir.file("resumed.safetensors");
  std::vector<std::string> batch = {"--input", x, "--input", t, "--lr", "0.01"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), batch.begin(), batch.end());
    return args;
  };
  std::string three =
      succeed(with({train, "--init-params", "5", "--train-steps", "3", "--save-params", straight}));
  succeed(with({train, "--init-params", "5", "--train-steps", "2", "--save-params", p,
                "--save-state", s}));
  std::string third = succeed(with({train, "--params", p, "--load-state", s, "--train-steps", "1",
                                    "--save-params", resumed}));
  EXPECT_EQ("step 3" + third.substr(6), lines(three)[2] + "\n");
  EXPECT_EQ(readBytes(resumed), readBytes(straight));
}

TEST_F(ResrunTrain, PrintsStateInInfo) {
  std::string out = succeed({train, "--info"});
  EXPECT_THAT(out, HasSubstr("entry train_step (symbol Tiny_train_step)\n  input  x: f32 [N, 3]\n"
                             "  input  t: f32 [N, 2]\n  input  lr: f32 []\n"
                             "  output loss: f32 []\n"));
  EXPECT_THAT(out, HasSubstr("  fc.weight.momentum_buffer: state f32 [2, 3] offset 192 bytes 24 "
                             "init zeros\n"));
  EXPECT_THAT(out, HasSubstr("  optimizer.step: state f32 [] offset 272 bytes 4 init zeros\n"));
  EXPECT_THAT(out, HasSubstr("  steps: buffer i64 []"));
}

TEST_F(ResrunTrain, SavesAnEmptyStateForAModelWithoutOne) {
  std::string s = dir.file("s.safetensors");
  succeed({tiny, "--init-params", "1", "--save-state", s});
  succeed({tiny, "--init-params", "1", "--load-state", s, "--input", x, "--output",
           dir.file("y.npy")});
}

TEST_F(ResrunTrain, RefusesBadTrainingArguments) {
  std::vector<std::string> run = {train, "--init-params", "1", "--input", x, "--input", t};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = run;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  fail(with({"--lr", "0.1"}), "--lr needs --train-steps", true);
  fail(with({"--train-steps", "2"}), "--train-steps needs --lr", true);
  for (const char *steps : {"0", "-1", "two", "1.5", "99999999999999999999"})
    fail(with({"--train-steps", steps, "--lr", "0.1"}),
         std::string("--train-steps needs a positive integer step count, not '") + steps + "'",
         true);
  for (const char *rate : {"nan", "inf", "-0.1", "1e39", "0.1x", " 1", "x"})
    fail(with({"--train-steps", "1", "--lr", rate}),
         std::string("--lr needs a finite, non-negative learning rate, not '") + rate + "'", true);
  fail(with({"--train-steps", "1", "--lr", "0.1", "--entry", "forward"}),
       "--train-steps runs entry 'train_step' and prints the losses; it excludes --entry, "
       "--output and --grads",
       true);
  fail(with({"--train-steps", "1", "--lr", "0.1", "--output", dir.file("y.npy")}),
       "it excludes --entry", true);
  fail({train, "--save-state", dir.file("s")}, "--save-state needs --params or --init-params",
       true);
  fail({train, "--load-state", dir.file("s"), "--info"},
       "--load-state needs --params or --init-params", true);
}

TEST_F(ResrunTrain, RefusesAModelWithoutTrainStep) {
  fail({tiny, "--init-params", "1", "--input", x, "--train-steps", "2", "--lr", "0.1"},
       "model 'Tiny' has no train_step entry point (declare an optimizer in the model)");
}

TEST_F(ResrunTrain, RefusesWrongInputsAndStateFiles) {
  fail({train, "--init-params", "1", "--input", x, "--train-steps", "2", "--lr", "0.1"},
       "entry 'train_step' of model 'Tiny' takes 2 input(s) and the learning rate, but 1 --input "
       "were given");
  fail({train, "--init-params", "1", "--input", t, "--input", x, "--train-steps", "2", "--lr",
        "0.1"},
       "step 1: cannot run 'train_step' of model 'Tiny': input 'x' (#0) dim 1 is 2 but must be 3");
  std::string p = dir.file("p.safetensors");
  succeed({train, "--init-params", "1", "--save-params", p});
  // The parameters file is not a state file, and the state file is missing.
  fail({train, "--init-params", "1", "--load-state", p, "--info"},
       "cannot load optimizer state from '" + p + "': unexpected tensor 'fc.bias': it is a "
       "parameter of model 'Tiny', not optimizer state");
  fail({train, "--params", p, "--load-state", dir.file("none"), "--input", x, "--input", t,
        "--train-steps", "1", "--lr", "0"},
       "cannot open '" + dir.file("none") + "'");
}

TEST_F(Resrun, RefusesAnUnwritableOutput) {
  std::string y = dir.file("missing/dir/y.npy");
  fail({tiny, "--init-params", "1", "--input", x, "--output", y},
       "cannot write '" + y + "': No such file or directory");
}

} // namespace
