//===- Link.cpp - the shared library, linked by ld.lld ----------*- C++ -*-===//
//
// lld runs as a child process: in-process lldMain resets the host tool's
// command-line options (TOOLCHAIN.md, pitfall 5) and would tie resc's
// lifetime to lld's global state. The library needs libc, libm and libomp.
//
//===----------------------------------------------------------------------===//

#include "resc/Target/Target.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace resc;

static std::string findLinker() {
  for (const char *candidate : {"ld.lld-22", "ld.lld"})
    if (auto path = llvm::sys::findProgramByName(candidate))
      return *path;
  for (const char *path : {"/usr/lib/llvm-22/bin/ld.lld", "/usr/bin/ld.lld-22"})
    if (llvm::sys::fs::can_execute(path))
      return path;
  return "";
}

mlir::LogicalResult resc::linkSharedLibrary(llvm::ArrayRef<std::string> objectPaths,
                                            llvm::StringRef outputPath, std::string &error) {
  std::string linker = findLinker();
  if (linker.empty()) {
    error = "cannot find ld.lld (install Debian's lld-22)";
    return mlir::failure();
  }
  std::string soname = llvm::sys::path::filename(outputPath).str();
  llvm::SmallVector<llvm::StringRef> args = {
      linker, "-shared", "--hash-style=gnu", "-z", "now", "-z", "relro", "--as-needed",
      "-soname", soname, "-o", outputPath};
  for (const std::string &object : objectPaths)
    args.push_back(object);
  args.append({"-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu",
      // Threads: LLVM's OpenMP runtime (libomp-22-dev), found at run time
      // through the library's own run path.
      "-L/usr/lib/llvm-22/lib", "-rpath", "/usr/lib/llvm-22/lib", "-lomp", "-lm", "-lc"});
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking " + outputPath.str() + " failed" +
            (message.empty() ? "" : ": " + message);
    return mlir::failure();
  }
  return mlir::success();
}
