// sluice: the command line over the engine.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/arguments.hpp"
#include "config/pipeline_config.hpp"
#include "engine.hpp"
#include "lifecycle/conformance.hpp"
#include "lifecycle/service_notify.hpp"
#include "observability/logging.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_description.hpp"
#include "reload/reloader.hpp"
#include "sluice/scalars.hpp"
#include "version.hpp"

namespace {

using namespace sluice;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_forced = 130;

// The first SIGINT or SIGTERM asks for a clean shutdown; a second one ends the process at once.
// SIGHUP asks for a reload; one that comes before the pipeline runs is kept until it does.
class ShutdownSignals {
 public:
  ShutdownSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    // Blocked before any other thread exists, so that only the waiter below receives them.
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    std::thread([this] {
      int count = 0;
      while (true) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0) continue;
        if (sig == SIGHUP) {
          hangup();
          continue;
        }
        if (++count > 1) {
          static const char msg[] = "second signal: exiting at once\n";
          [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
          ::_exit(exit_forced);
        }
        request();
      }
    }).detach();  // lives as long as the process: it is what a second signal needs
  }
  void request() {
    std::lock_guard lock(mutex_);
    requested_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return requested_; });
  }
  // Where SIGHUP goes from now on (null: kept for later).
  void on_hangup(core::Reloader* reloader) {
    std::lock_guard lock(mutex_);
    reloader_ = reloader;
    if (reloader_ != nullptr && hangup_pending_) reloader_->request();
    hangup_pending_ = false;
  }

 private:
  void hangup() {
    std::lock_guard lock(mutex_);
    if (reloader_ != nullptr) {
      reloader_->request();
    } else {
      hangup_pending_ = true;
    }
  }

  sigset_t set_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool requested_ = false;
  core::Reloader* reloader_ = nullptr;
  bool hangup_pending_ = false;
};

std::optional<core::PipelineConfig> load_config(const std::vector<std::string>& paths) {
  core::Diagnostics diags;
  auto config = core::load_pipeline_files(paths, diags);
  if (!config) std::cerr << diags.to_string();
  return config;
}

int cmd_validate(const cli::Arguments& a) {
  core::Diagnostics diags;
  auto config = core::load_pipeline_files(a.configs, diags);
  if (config) {
    core::Engine engine({a.plugin_dirs, false});
    engine.load(*config, diags);
  }
  if (!diags.empty()) {
    std::cerr << diags.to_string();
    std::cerr << a.config_label() << ": " << diags.size()
              << (diags.size() == 1 ? " error\n" : " errors\n");
    return exit_usage;
  }
  std::cout << a.config_label() << ": valid (" << config->nodes.size() << " nodes)\n";
  return exit_ok;
}

int cmd_run(const cli::Arguments& a) {
  ShutdownSignals signals;
  // Taken before the file is read: an edit saved while the pipeline starts still reloads.
  const std::string loaded_identity = core::config_identity(a.configs);
  auto config = load_config(a.configs);
  if (!config) return exit_usage;
  core::Engine engine({a.plugin_dirs, true});
  core::Diagnostics diags;
  if (!engine.load(*config, diags)) {
    std::cerr << diags.to_string();
    return exit_usage;
  }
  // The policy is read when a violation comes: a reload may have changed it.
  engine.set_violation_handler([&signals, &engine] {
    if (engine.exit_on_violation()) signals.request();
  });
  engine.set_end_run_handler([&signals] { signals.request(); });
  auto log = core::engine_logger();
  std::string error;
  if (!engine.start(error)) {
    log->error("{}", error);
    engine.stop();
    return exit_failure;
  }
  core::ReloaderOptions reload_options;
  reload_options.paths = a.configs;
  if (a.watch_config) reload_options.watch_interval = std::chrono::seconds(1);
  reload_options.loaded_identity = loaded_identity;
  core::Reloader reloader(engine, reload_options);
  reloader.start();
  engine.set_reload_handler([&reloader] {
    auto r = reloader.request_and_wait(std::chrono::minutes(5));
    return core::ApiResponse{r.success ? 200 : 500, "text/plain; charset=utf-8", r.message};
  });
  signals.on_hangup(&reloader);
  log->info("pipeline {} running ({} nodes); Ctrl-C stops it, SIGHUP reloads it{}",
            a.config_label(), config->nodes.size(),
            a.watch_config ? ", and so does a change to the file" : "");
  core::service::ready("running " + a.config_label());
  signals.wait();
  core::service::stopping();
  log->info("stopping: draining what is queued into the sinks");
  signals.on_hangup(nullptr);
  engine.set_reload_handler(nullptr);
  reloader.stop();
  engine.stop();
  if (auto reason = engine.end_run_reason(); !reason.empty()) {
    // What was not delivered stays unacknowledged: the next start reads it again.
    log->error("the run was ended by {}", reason);
    return exit_failure;
  }
  if (engine.violated()) {
    log->error("lifecycle violations were recorded; see the lines above");
    if (engine.exit_on_violation()) return exit_failure;
  }
  log->info("stopped");
  return exit_ok;
}

// The plugin directories to search, with the config's when one is given; nullopt when that
// config does not load (its errors are printed).
std::optional<std::vector<std::string>> plugin_dirs_for(const cli::Arguments& a) {
  std::vector<std::string> from_config;
  if (!a.configs.empty()) {
    auto config = load_config(a.configs);
    if (!config) return std::nullopt;
    from_config = config->plugin_dirs;
  }
  return core::plugin_search_path(a.plugin_dirs, from_config);
}

int cmd_plugins(const cli::Arguments& a) {
  auto found = plugin_dirs_for(a);
  if (!found) return exit_usage;
  const auto& dirs = *found;
  auto catalog = core::PluginCatalog::discover_all(dirs);
  std::printf("%-20s %-10s %-10s %s\n", "NAME", "KIND", "VERSION", "PATH");
  for (const auto& p : catalog.plugins()) {
    std::printf("%-20s %-10s %-10s %s\n", p->name.c_str(), core::kind_name(p->descriptor.kind),
                p->version.c_str(), p->path.c_str());
  }
  if (!catalog.refused().empty()) {
    std::printf("\nrefused:\n");
    for (const auto& r : catalog.refused()) std::printf("  %s\n", r.reason.c_str());
  }
  std::printf("\nsearched:");
  for (const auto& d : dirs) std::printf(" %s", d.c_str());
  std::printf("\n");
  return exit_ok;
}

int cmd_describe(const cli::Arguments& a) {
  auto dirs = plugin_dirs_for(a);
  if (!dirs) return exit_usage;
  auto catalog = core::PluginCatalog::discover(*dirs, {a.plugin});
  auto plugin = catalog.find(a.plugin);
  if (!plugin) {
    std::cerr << "sluice: " << catalog.explain_missing(a.plugin) << "\n";
    return exit_failure;
  }
  if (a.format == "json") {
    std::cout << core::describe_json(*plugin);
  } else if (a.format == "markdown") {
    std::cout << core::describe_markdown(*plugin);
  } else {
    std::cout << core::describe_text(*plugin);
  }
  return exit_ok;
}

int cmd_plugin_check(const cli::Arguments& a) {
  core::ConformanceOptions options;
  options.library = a.library;
  options.cycles = a.cycles;
  auto run_for = scalars::duration_ms(a.run_for);
  auto stop_deadline = scalars::duration_ms(a.stop_deadline);
  if (!run_for || !stop_deadline) {
    std::cerr << "sluice: --run-for and --stop-deadline take durations such as 100ms or 5s\n";
    return exit_usage;
  }
  options.run_for = std::chrono::milliseconds(*run_for);
  options.stop_deadline = std::chrono::milliseconds(*stop_deadline);
  if (!a.configs.empty()) {
    const std::string& file = a.configs.front();
    try {
      options.config = YAML::LoadFile(file);
      options.config_file = file;
    } catch (const YAML::Exception& e) {
      std::cerr << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg
                << "\n";
      return exit_usage;
    }
  }
  auto result = core::check_conformance(options);
  std::cout << result.summary();
  return result.passed ? exit_ok : exit_failure;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe on standard output is a write error for stdout_sink to report, not death.
  ::signal(SIGPIPE, SIG_IGN);
  // A file source may hold a descriptor per file: take the hard limit, not the soft 1024.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  std::string error;
  auto args = cli::parse_arguments(argc, argv, error);
  if (!args) {
    std::cerr << "sluice: " << error << "\n\n" << cli::usage();
    return exit_usage;
  }
  if (args->command == "version") {
    std::cout << "sluice " << SLUICE_VERSION << " (plugin ABI " << SLUICE_ABI_MAJOR << "."
              << SLUICE_ABI_MINOR << ")\n";
    return exit_ok;
  }
  if (args->command == "help") {
    std::cout << cli::usage();
    return exit_ok;
  }
  auto level = core::parse_log_level(args->log_level);
  if (!level) {
    std::cerr << "sluice: unknown log level '" << args->log_level << "'\n\n" << cli::usage();
    return exit_usage;
  }
  core::configure_logging(
      *level, args->log_format == "json" ? core::LogFormat::json : core::LogFormat::text);
  try {
    if (args->command == "run") return cmd_run(*args);
    if (args->command == "validate") return cmd_validate(*args);
    if (args->command == "plugins") return cmd_plugins(*args);
    if (args->command == "describe") return cmd_describe(*args);
    return cmd_plugin_check(*args);
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return exit_failure;
  }
}
