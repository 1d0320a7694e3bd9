#include "plugins/plugin_library.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace sluice::core {

const char* kind_name(uint32_t kind) {
  switch (kind) {
    case SLUICE_KIND_SOURCE: return "source";
    case SLUICE_KIND_PROCESSOR: return "processor";
    case SLUICE_KIND_SINK: return "sink";
    default: return "unknown";
  }
}

namespace {

// Libraries are never unloaded: a thread, callback or object from a library may outlive any
// owner we could track (a violating plugin's stuck thread, say), and unmapping its code under it
// would crash the whole process.
void keep_mapped_forever(boost::dll::shared_library&& lib) {
  static std::mutex mutex;
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  std::lock_guard lock(mutex);
  libraries->push_back(std::move(lib));
}

std::string mode_string(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string safe_string(const char* s, size_t max) {
  if (s == nullptr) return {};
  return std::string(s, strnlen(s, max));
}

// The declared settings, each read only as far as the plugin's sluice_setting_t reaches.
std::vector<PluginSetting> read_settings(const sluice_plugin_descriptor_t& d) {
  std::vector<PluginSetting> out;
  constexpr size_t kFirstSize = offsetof(sluice_setting_t, required) + sizeof(int);
  if (d.settings == nullptr || d.setting_size < kFirstSize) return out;
  const auto* at = reinterpret_cast<const char*>(d.settings);
  for (uint32_t i = 0; i < d.setting_count && i < 4096; ++i) {
    sluice_setting_t s{};
    std::memcpy(&s, at + size_t{i} * d.setting_size,
                std::min<size_t>(d.setting_size, sizeof(sluice_setting_t)));
    PluginSetting p;
    p.name = safe_string(s.name, 128);
    p.type = safe_string(s.type, 128);
    p.default_value = safe_string(s.default_value, 1024);
    p.allowed = safe_string(s.allowed, 1024);
    p.description = safe_string(s.description, 4096);
    std::string hints = safe_string(s.hints, 1024);
    for (size_t start = 0; start < hints.size();) {
      size_t comma = hints.find(',', start);
      if (comma == std::string::npos) comma = hints.size();
      std::string h = hints.substr(start, comma - start);
      h.erase(0, h.find_first_not_of(' '));
      if (!h.empty()) p.hints.push_back(h);
      start = comma + 1;
    }
    p.required = s.required != 0;
    if (!p.name.empty()) out.push_back(std::move(p));
  }
  return out;
}

// Boost.DLL clears dlerror(), so ask the dynamic loader once more for its reason.
std::string explain_load_failure(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4) || std::memcmp(magic,
                                        "\x7f"
                                        "ELF",
                                        4) != 0) {
    return "not a shared library (no ELF header)";
  }
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle != nullptr) {
    ::dlclose(handle);
    return "the shared library could not be loaded";
  }
  const char* why = ::dlerror();
  return std::string("cannot load the shared library: ") + (why != nullptr ? why : "unknown");
}

bool descriptor_size_fits(uint32_t size, uint16_t minor, uint16_t host_minor, size_t ours) {
  if (minor == host_minor) return size == ours;
  if (minor < host_minor) return size <= ours;
  return size >= ours && size <= 64 * 1024;
}

// What a file was when it was loaded: a file replaced on disk (a new inode, or new contents)
// is another library.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

std::optional<FileIdentity> identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  return FileIdentity{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim)};
}

using LoadResult = std::variant<std::shared_ptr<const PluginLibrary>, std::string>;

// Every file loaded so far, by path: loading an unchanged file again (a reload) gives the
// same library, and a changed one is known to need a fresh mapping.
struct LoadedFile {
  FileIdentity identity;
  LoadResult result;
};
std::mutex loaded_mutex;
auto* loaded_files = new std::map<std::string, LoadedFile>();

// The dynamic loader hands back the mapping it already has for a path name it has seen, even
// when the file under that name was replaced. A replaced file is therefore opened through a
// link of a name never used before, in a private directory, so that its new contents load.
class FreshName {
 public:
  explicit FreshName(const std::string& path) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sluice-plugin-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) return;
    dir_ = buf.data();
    std::string base = path.substr(path.rfind('/') + 1);
    std::string link = dir_ + "/" + base;
    if (::symlink(path.c_str(), link.c_str()) == 0) name_ = link;
  }
  ~FreshName() {
    if (!name_.empty()) ::unlink(name_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  FreshName(const FreshName&) = delete;
  FreshName& operator=(const FreshName&) = delete;
  // Empty when no link could be made: the caller then loads by the path itself.
  const std::string& name() const { return name_; }

 private:
  std::string dir_;
  std::string name_;
};

LoadResult load_file(const std::string& path, const std::string& load_name);

}  // namespace

std::string check_path_ownership(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::string("cannot stat: ") + std::strerror(errno);
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return "owned by uid " + std::to_string(st.st_uid) + ", neither root nor this user";
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return "writable by " + std::string((st.st_mode & S_IWOTH) ? "others" : "its group") +
           " (mode " + mode_string(st.st_mode) + "); run chmod go-w on it";
  }
  return {};
}

std::variant<std::shared_ptr<const PluginLibrary>, std::string> load_plugin_library(
    const std::string& path) {
  if (auto bad = check_path_ownership(path); !bad.empty()) return path + ": " + bad;
  auto identity = identity_of(path);
  if (!identity) return path + ": cannot stat: " + std::strerror(errno);
  std::lock_guard lock(loaded_mutex);
  auto known = loaded_files->find(path);
  if (known != loaded_files->end() && known->second.identity == *identity) {
    return known->second.result;
  }
  LoadResult result;
  if (known == loaded_files->end()) {
    result = load_file(path, path);
  } else {
    FreshName fresh(path);
    result = load_file(path, fresh.name().empty() ? path : fresh.name());
  }
  (*loaded_files)[path] = {*identity, result};
  return result;
}

namespace {

LoadResult load_file(const std::string& path, const std::string& load_name) {
  auto refuse = [&](const std::string& why) { return path + ": " + why; };
  boost::dll::shared_library lib;
  boost::dll::fs::error_code ec;
  // rtld_local keeps each plugin's symbols to itself; rtld_now finds missing symbols here
  // rather than in the middle of a call.
  lib.load(boost::dll::fs::path(load_name),
           boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !lib.is_loaded()) return refuse(explain_load_failure(load_name));
  if (!lib.has(SLUICE_PLUGIN_ENTRY_SYMBOL)) {
    keep_mapped_forever(std::move(lib));
    return refuse("not a Sluice plugin: no entry point '" SLUICE_PLUGIN_ENTRY_SYMBOL "'");
  }
  auto& entry =
      lib.get<const sluice_plugin_descriptor_t*(uint16_t, uint16_t)>(SLUICE_PLUGIN_ENTRY_SYMBOL);
  const sluice_plugin_descriptor_t* d = entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  keep_mapped_forever(std::move(lib));
  if (d == nullptr) return refuse("the entry point returned no descriptor");

  // Read the fixed head of the descriptor before trusting its size.
  const std::string host =
      std::to_string(SLUICE_ABI_MAJOR) + "." + std::to_string(SLUICE_ABI_MINOR);
  const std::string built = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  if (d->abi_major != SLUICE_ABI_MAJOR) {
    return refuse("built for plugin ABI " + built + ", but this engine speaks ABI " + host +
                  "; rebuild the plugin against this engine's SDK");
  }
  if (d->struct_size < SLUICE_DESCRIPTOR_MIN_SIZE) {
    return refuse("descriptor too small: " + std::to_string(d->struct_size) + " bytes, ABI " +
                  host + " needs at least " + std::to_string(SLUICE_DESCRIPTOR_MIN_SIZE));
  }
  // A minor bump only appends: a descriptor of our minor is exactly our size, an older one
  // no larger, a newer one at least as large (and plausibly so).
  const size_t ours = sizeof(sluice_plugin_descriptor_t);
  if (!descriptor_size_fits(d->struct_size, d->abi_minor, SLUICE_ABI_MINOR, ours)) {
    return refuse("descriptor claims " + std::to_string(d->struct_size) + " bytes for ABI " +
                  built + ", which does not match (ABI " + host + " is " + std::to_string(ours) +
                  " bytes)");
  }
  auto lib_info = std::make_shared<PluginLibrary>();
  lib_info->path = path;
  std::memcpy(&lib_info->descriptor, d, std::min<size_t>(d->struct_size, ours));
  const auto& desc = lib_info->descriptor;
  lib_info->name = safe_string(desc.name, 128);
  lib_info->version = safe_string(desc.version, 128);
  lib_info->description = safe_string(desc.description, 1024);
  if (lib_info->name.empty()) return refuse("the descriptor has no name");
  lib_info->settings = read_settings(desc);
  if (desc.kind != SLUICE_KIND_SOURCE && desc.kind != SLUICE_KIND_PROCESSOR &&
      desc.kind != SLUICE_KIND_SINK) {
    return refuse("unknown plugin kind " + std::to_string(desc.kind));
  }
  if (desc.on_create == nullptr || desc.on_start == nullptr || desc.on_destroy == nullptr) {
    return refuse("the descriptor lacks on_create, on_start or on_destroy");
  }
  if (desc.kind == SLUICE_KIND_PROCESSOR && desc.on_process == nullptr) {
    return refuse("a processor plugin without on_process");
  }
  return std::shared_ptr<const PluginLibrary>(std::move(lib_info));
}

}  // namespace

}  // namespace sluice::core
