#include "cli/install_links.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"

namespace wheelfix::cli {

namespace fs = std::filesystem;

util::Status install_link(const std::string& dir, const std::string& name, const std::string& target, bool force) {
  fs::path link = fs::path(dir) / name;
  std::error_code ec;
  auto st = fs::symlink_status(link, ec);
  if (!ec && fs::exists(st)) {
    if (fs::is_directory(st)) return util::make_error(link.string(), ": is a folder; not replaced");
    if (!fs::is_symlink(st) && !force)
      return util::make_error(link.string(), ": exists and is not a symlink; not replaced (use --force)");
  }
  fs::path temp = fs::path(dir) / ("." + name + ".wheelfix-link-" + std::to_string(::getpid()));
  fs::remove(temp, ec);
  if (::symlink(target.c_str(), temp.c_str()) != 0)
    return util::make_error(link.string(), ": cannot create a symlink: ", std::strerror(errno));
  if (::rename(temp.c_str(), link.c_str()) != 0) {
    int err = errno;
    fs::remove(temp, ec);
    return util::make_error(link.string(), ": ", std::strerror(err));
  }
  return {};
}

std::string link_previous_state(const std::string& dir, const std::string& name, const std::string& target) {
  fs::path link = fs::path(dir) / name;
  std::error_code ec;
  auto st = fs::symlink_status(link, ec);
  if (ec || !fs::exists(st)) return "new";
  if (fs::is_symlink(st)) {
    auto old = fs::read_symlink(link, ec);
    if (ec) return "replaces a symlink";
    return old == target ? "unchanged" : "replaces the symlink to " + old.string();
  }
  if (fs::is_regular_file(st)) return "replaces a regular file";
  return fs::is_directory(st) ? "replaces a folder" : "replaces a special file";
}

CLI::App* add_install_links_command(CLI::App& app, InstallLinksOptions& o) {
  auto* cmd = app.add_subcommand("install-links", "Create the auditwheel and patchelf symlinks to this binary in DIR");
  cmd->add_option("dir", o.dir, "Folder for the links (created if missing), e.g. /usr/local/bin")->required();
  cmd->add_flag("-f,--force", o.force, "Also replace regular files of those names");
  auto* quiet = cmd->add_flag("-q,--quiet", o.quiet, "Print errors only");
  cmd->add_flag("-v,--verbose", o.verbose, "Also say what each link replaced")->excludes(quiet);
  return cmd;
}

int run_install_links(const InstallLinksOptions& o) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    print_error("/proc/self/exe: cannot find the running binary: " + ec.message());
    return kFailure;
  }
  fs::create_directories(o.dir, ec);
  if (ec) {
    print_error(o.dir + ": cannot create the folder: " + ec.message());
    return kFailure;
  }
  int status = kOk;
  for (const auto& name : kMultiCallNames) {
    std::string before = o.verbose ? link_previous_state(o.dir, name, self.string()) : std::string();
    auto st = install_link(o.dir, name, self.string(), o.force);
    if (!st) {
      print_error(st.error().message);
      status = kFailure;
    } else if (!o.quiet) {
      std::cout << (fs::path(o.dir) / name).string() << " -> " << self.string();
      if (o.verbose) std::cout << " (" << before << ")";
      std::cout << "\n";
    }
  }
  return status;
}

}  // namespace wheelfix::cli
