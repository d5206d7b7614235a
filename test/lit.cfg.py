# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "RESC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".res", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.resc_obj_root, "test")

config.substitutions.append(("%examples", os.path.join(config.resc_src_root, "examples")))
config.substitutions.append(("%bench", os.path.join(config.resc_src_root, "bench")))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%resc_obj_root", config.resc_obj_root))
config.substitutions.append(("%resc_include", os.path.join(config.resc_src_root, "runtime", "include")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.resc_tools_dir, config.llvm_tools_dir]
tools = ["resc", "res-opt", "resrun", "train_fmnist", "train_tinylm", "FileCheck", "not", "count", "llvm-nm", "llvm-readelf"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# End-to-end parity tests need Debian's PyTorch (python3-torch).
import subprocess
if subprocess.call([config.python_executable, "-c", "import torch, numpy"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
    config.available_features.add("torch")

if os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")

# The hand-written OpenBLAS baseline of bench/ (libopenblas-dev).
if os.path.exists("/usr/include/x86_64-linux-gnu/cblas.h") and \
        os.path.exists("/usr/lib/x86_64-linux-gnu/libopenblas.so"):
    config.available_features.add("openblas")
