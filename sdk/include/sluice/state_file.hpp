// Reading and atomically replacing a small file in a plugin's state directory, the way
// positions and checkpoints must be kept: a crash leaves either the old content or the new,
// never a mix; and reading its lines under a header that names what it holds and in which
// version. Header-only; POSIX.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sluice {

// The whole file, or nullopt when it does not exist. Other errors go to *error.
inline std::optional<std::string> read_state_file(const std::string& dir, std::string_view name,
                                                  std::string* error = nullptr) {
  const std::string path = dir + "/" + std::string(name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT && error != nullptr) *error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (error != nullptr) *error = path + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Replaces dir/name with content: a temporary file, fsync, rename over, fsync the directory.
// Returns false and sets *error on failure, leaving the old file in place.
inline bool write_state_file(const std::string& dir, std::string_view name,
                             std::string_view content, std::string* error = nullptr) {
  const std::string path = dir + "/" + std::string(name);
  const std::string temp = path + ".tmp";
  auto fail = [&](const std::string& what) {
    if (error != nullptr) *error = what + ": " + std::strerror(errno);
    return false;
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(temp);
  const char* at = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, at, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      bool r = fail(temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return r;
    }
    at += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    bool r = fail(temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return r;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    bool r = fail(path);
    ::unlink(temp.c_str());
    return r;
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

// What a state file of lines holds, in which version, and the fields of a line, written as its
// first line: "# sluice file_source positions v1: dev ino offset path". A build reads the
// version it writes and refuses any other, so that going back to an older build never
// misreads a newer file, nor overwrites it.
struct StateFileFormat {
  std::string_view what;
  int version = 1;
  std::string_view fields;

  std::string header() const {
    return "# sluice " + std::string(what) + " v" + std::to_string(version) + ": " +
           std::string(fields) + "\n";
  }
};

// Calls on_entry(line, line_number) for each entry line of text, leaving out blank lines and
// comments. A first line that is a header of another kind or version refuses the whole file:
// false, with *error naming where and why, and on_entry is never called. A file without a
// header is read as this version.
template <class OnEntry>
bool read_state_entries(std::string_view text, const StateFileFormat& format,
                        const std::string& where, OnEntry&& on_entry, std::string* error) {
  constexpr std::string_view mark = "# sluice ";
  if (text.substr(0, mark.size()) == mark) {
    std::string_view first = text.substr(0, text.find('\n'));
    std::string prefix = "# sluice " + std::string(format.what) + " v";
    if (first.substr(0, prefix.size()) != prefix) {
      if (error != nullptr) {
        *error = where + ": holds something other than " + std::string(format.what) + " (" +
                 std::string(first.substr(mark.size())) + ")";
      }
      return false;
    }
    std::string_view rest = first.substr(prefix.size());
    int version = 0;
    size_t digits = 0;
    while (digits < rest.size() && digits < 6 && rest[digits] >= '0' && rest[digits] <= '9') {
      version = version * 10 + (rest[digits] - '0');
      ++digits;
    }
    bool closed = digits > 0 && digits < rest.size() && rest[digits] == ':';
    if (!closed || version != format.version) {
      if (error != nullptr) {
        *error =
            where + ": " +
            (closed ? "version " + std::to_string(version) : std::string("an unreadable version")) +
            " of " + std::string(format.what) + ", and this build reads version " +
            std::to_string(format.version) +
            " only; it was written by another build of Sluice (move the file aside to "
            "start afresh)";
      }
      return false;
    }
  }
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    on_entry(line, line_no);
  }
  return true;
}

}  // namespace sluice
