#include "glob.hpp"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <tuple>

namespace file_source {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > at) out.emplace_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

bool segments_match(const std::vector<std::string>& p, size_t pi, const std::vector<std::string>& s,
                    size_t si) {
  if (pi == p.size()) return si == s.size();
  if (p[pi] == "**") {
    for (size_t k = si; k <= s.size(); ++k) {
      if (segments_match(p, pi + 1, s, k)) return true;
    }
    return false;
  }
  if (si == s.size()) return false;
  if (::fnmatch(p[pi].c_str(), s[si].c_str(), FNM_PERIOD) != 0) return false;
  return segments_match(p, pi + 1, s, si + 1);
}

class Walker {
 public:
  Walker(const std::vector<std::string>& segments, Expansion& out)
      : segments_(segments), out_(out) {}

  void walk(const std::string& dir, size_t i) {
    if (i == segments_.size()) return;
    const std::string& seg = segments_[i];
    const bool last = i + 1 == segments_.size();
    if (seg == "**") {
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
      // Directory links can loop: each directory is walked once per pattern position.
      if (!visited_.insert({st.st_dev, st.st_ino, i}).second) return;
      out_.dirs.insert(dir);
      walk(dir, i + 1);  // zero directories
      for (const auto& name : list(dir)) {
        std::string sub = join(dir, name);
        if (is_dir(sub)) walk(sub, i);
      }
      return;
    }
    if (!has_glob_chars(seg)) {
      std::string next = join(dir, seg);
      if (last) {
        out_.dirs.insert(dir);
        add(next);
      } else if (is_dir(next)) {
        walk(next, i + 1);
      } else {
        out_.dirs.insert(dir);  // it may be created later
      }
      return;
    }
    out_.dirs.insert(dir);
    for (const auto& name : list(dir)) {
      if (::fnmatch(seg.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
      std::string next = join(dir, name);
      if (last) {
        add(next);
      } else if (is_dir(next)) {
        walk(next, i + 1);
      }
    }
  }

 private:
  void add(const std::string& path) {
    if (is_file(path)) {
      out_.files.push_back(path);
    } else if (!special_file_kind(path).empty()) {
      out_.not_regular.insert(path);
    }
  }
  static std::vector<std::string> list(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return names;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
  }
  static bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  static bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }

  struct Seen {
    dev_t dev;
    ino_t ino;
    size_t at;
    bool operator<(const Seen& o) const {
      return std::tie(dev, ino, at) < std::tie(o.dev, o.ino, o.at);
    }
  };
  const std::vector<std::string>& segments_;
  Expansion& out_;
  std::set<Seen> visited_;
};

}  // namespace

bool has_glob_chars(std::string_view s) {
  return s.find_first_of("*?[") != std::string_view::npos;
}

void expand_glob(const std::string& pattern, Expansion& out) {
  auto segments = split(pattern);
  Walker(segments, out).walk("/", 0);
  std::sort(out.files.begin(), out.files.end());
  out.files.erase(std::unique(out.files.begin(), out.files.end()), out.files.end());
}

bool glob_matches(std::string_view pattern, std::string_view path) {
  return segments_match(split(pattern), 0, split(path), 0);
}

std::string special_file_kind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISCHR(st.st_mode)) return "a character device";
  if (S_ISBLK(st.st_mode)) return "a block device";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return {};
}

}  // namespace file_source
