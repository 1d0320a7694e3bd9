// Reading and atomically replacing a small file in a plugin's state directory, the way
// positions and checkpoints must be kept: a crash leaves either the old content or the new,
// never a mix. Header-only; POSIX.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace sluice
