// Entry points of the subcommands. Each takes the arguments after the
// subcommand name (argv[0] is the program or subcommand name) and returns the
// process exit status (see docs/exit-codes.md).
#pragma once

namespace wheelfix::cli {

// Exit statuses shared by every command.
enum Exit : int {
  kOk = 0,
  kFailure = 1,     // the input has a problem (bad wheel, bad ELF, cannot repair)
  kUsage = 2,       // bad command line
  kPurePython = 3,  // show/repair on a pure-Python wheel
};

int main_dispatch(int argc, char** argv);
int patchelf_main(int argc, char** argv);

}  // namespace wheelfix::cli
