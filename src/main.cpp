// wheelfix: analyze and repair Linux wheels. All logic lives in the modules;
// this file only hands the command line to the CLI dispatcher.
#include "cli/commands.hpp"

int main(int argc, char** argv) { return wheelfix::cli::main_dispatch(argc, argv); }
