// A plugin's settings declared once: name, type, default, what is allowed, and a line that
// says what it does. The same table reads and checks the config, and describes it to
// `sluice describe` and to the host's unknown-key messages (ABI 1.4), so a default or a
// range cannot differ between the code and the documentation.
//
//   struct Settings { std::chrono::milliseconds wait; int64_t size; };
//   const sluice::SettingsTable<Settings>& table() {
//     static const sluice::SettingsTable<Settings> t{
//         sluice::duration("wait", &Settings::wait, std::chrono::seconds(1), "how long...")
//             .at_least(std::chrono::milliseconds(10)),
//         sluice::integer("size", &Settings::size, 100, "how many...").between(1, 1000)};
//     return t;
//   }
//   Settings s = table().read(cfg);   // each problem reported through cfg.error()
//
// A value out of range is refused, never clamped: the run does not start with a value the
// user did not write.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/abi.h"
#include "sluice/config.hpp"

namespace sluice {

// What `sluice describe` shows of one setting.
struct SettingInfo {
  std::string name;  // nested settings: "tls.ca_file", "rules[].action"
  std::string type;
  std::string default_text;  // as YAML would write it, or empty when there is none
  std::string allowed;       // "100ms to 1h", "text or json", or empty for anything
  std::string description;
  bool required = false;
  std::vector<std::string> hints;  // what other log shippers call this setting
};

namespace settings_detail {

inline std::string duration_text(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms == 0) return "0";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

inline std::string number_text(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Spelled out, so that a plugin built with -Wmissing-field-initializers stays quiet.
inline SettingInfo info(const char* name, const char* type, std::string default_text,
                        std::string allowed, const char* description) {
  SettingInfo out;
  out.name = name;
  out.type = type;
  out.default_text = std::move(default_text);
  out.allowed = std::move(allowed);
  out.description = description;
  return out;
}

inline std::string join(const std::vector<std::string>& items, const char* last_separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_separator : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace settings_detail

// One declared setting of a settings struct S. Made by the functions below, refined with
// the chained calls, and collected in a SettingsTable.
template <class S>
class Setting {
 public:
  using Reader = std::function<void(const Setting&, const Config&, S&)>;
  using Defaulter = std::function<void(S&)>;

  Setting(SettingInfo info, Defaulter set_default, Reader read,
          std::function<std::string(double)> show_bound = nullptr)
      : info_(std::move(info)),
        set_default_(std::move(set_default)),
        read_(std::move(read)),
        show_bound_(std::move(show_bound)) {}

  // Bounds, in the setting's own type: a number, or a duration.
  template <class T>
  Setting at_least(T v) && {
    min_ = bound(v);
    return std::move(*this);
  }
  template <class T>
  Setting at_most(T v) && {
    max_ = bound(v);
    return std::move(*this);
  }
  template <class T>
  Setting between(T lo, T hi) && {
    min_ = bound(lo);
    max_ = bound(hi);
    return std::move(*this);
  }
  // Absent is an error; the setting has no default.
  Setting required() && {
    info_.required = true;
    info_.default_text.clear();
    return std::move(*this);
  }
  // Names other shippers use for it (Promtail's, Fluent Bit's, Vector's): a config that
  // uses one is told the Sluice name.
  Setting hint(std::initializer_list<const char*> names) && {
    for (const char* n : names) info_.hints.emplace_back(n);
    return std::move(*this);
  }
  // What the default column says when the default is not a plain value ("all", "none").
  Setting default_text(std::string text) && {
    info_.default_text = std::move(text);
    return std::move(*this);
  }
  // What the allowed column says, when the plugin checks the value itself.
  Setting allowed(std::string text) && {
    info_.allowed = std::move(text);
    return std::move(*this);
  }
  // A check of the value read, beyond its type and range: returns what is wrong, or "".
  Setting check(std::function<std::string(const S&)> fn, std::string allowed = "") && {
    check_ = std::move(fn);
    if (!allowed.empty()) info_.allowed = std::move(allowed);
    return std::move(*this);
  }

  const SettingInfo& info() const { return info_; }
  SettingInfo described() const {
    SettingInfo out = info_;
    if (out.allowed.empty() && show_bound_ && (min_ || max_)) {
      if (min_ && max_) {
        out.allowed = show_bound_(*min_) + " to " + show_bound_(*max_);
      } else if (min_) {
        out.allowed = "at least " + show_bound_(*min_);
      } else {
        out.allowed = "at most " + show_bound_(*max_);
      }
    }
    return out;
  }
  const std::vector<SettingInfo>& nested() const { return nested_; }
  void set_nested(std::vector<SettingInfo> infos) { nested_ = std::move(infos); }

  void apply_default(S& s) const {
    if (set_default_) set_default_(s);
  }
  void read(const Config& cfg, S& s) const { read_(*this, cfg, s); }

  // For the readers: whether v is inside the bounds, and the message when it is not.
  std::string out_of_range(double v, const std::string& shown) const {
    if ((!min_ || v >= *min_) && (!max_ || v <= *max_)) return {};
    return "must be " + described().allowed + ", got " + shown;
  }
  void run_check(const Config& cfg, const S& s) const {
    if (!check_) return;
    std::string problem = check_(s);
    if (!problem.empty()) cfg.error(info_.name.c_str(), problem);
  }
  // Said of the mapping, as the key is not there to point at.
  void report_missing(const Config& cfg) const {
    if (info_.required) cfg.error(nullptr, "missing '" + info_.name + "': " + info_.description);
  }

 private:
  static double bound(std::chrono::milliseconds v) { return static_cast<double>(v.count()); }
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
  static double bound(T v) {
    return static_cast<double>(v);
  }

  SettingInfo info_;
  Defaulter set_default_;
  Reader read_;
  std::function<std::string(double)> show_bound_;
  std::optional<double> min_, max_;
  std::function<std::string(const S&)> check_;
  std::vector<SettingInfo> nested_;
};

// The descriptions alone, and their C form for the plugin descriptor. Built once; the
// strings live as long as the table.
class SettingsDescription {
 public:
  const std::vector<SettingInfo>& infos() const { return infos_; }
  const sluice_setting_t* c_settings() const { return c_.empty() ? nullptr : c_.data(); }
  uint32_t c_count() const { return static_cast<uint32_t>(c_.size()); }

 protected:
  void describe(std::vector<SettingInfo> infos) {
    infos_ = std::move(infos);
    hints_.reserve(infos_.size());
    for (const auto& i : infos_) hints_.push_back(settings_detail::join(i.hints, ", "));
    c_.clear();
    for (size_t k = 0; k < infos_.size(); ++k) {
      const SettingInfo& i = infos_[k];
      sluice_setting_t c{};
      c.name = i.name.c_str();
      c.type = i.type.c_str();
      c.default_value = i.default_text.c_str();
      c.allowed = i.allowed.c_str();
      c.description = i.description.c_str();
      c.hints = hints_[k].c_str();
      c.required = i.required ? 1 : 0;
      c_.push_back(c);
    }
  }

 private:
  std::vector<SettingInfo> infos_;
  std::vector<std::string> hints_;
  std::vector<sluice_setting_t> c_;
};

template <class S>
class SettingsTable : public SettingsDescription {
 public:
  SettingsTable(std::initializer_list<Setting<S>> settings)
      : SettingsTable(std::vector<Setting<S>>(settings)) {}
  // A table put together from parts: settings a family of plugins shares, declared once.
  explicit SettingsTable(std::vector<Setting<S>> settings) : settings_(std::move(settings)) {
    std::vector<SettingInfo> infos;
    for (const auto& s : settings_) {
      infos.push_back(s.described());
      for (const auto& n : s.nested()) infos.push_back(n);
    }
    describe(std::move(infos));
  }
  SettingsTable(const SettingsTable&) = delete;
  SettingsTable& operator=(const SettingsTable&) = delete;

  // Every setting, defaults first; each problem goes through cfg.error() (the host adds the
  // file, line and column), and what could be read is returned.
  S read(const Config& cfg) const {
    S s{};
    read_into(cfg, s);
    return s;
  }
  void read_into(const Config& cfg, S& s) const {
    defaults_into(s);
    for (const auto& setting : settings_) setting.read(cfg, s);
  }
  void defaults_into(S& s) const {
    for (const auto& setting : settings_) setting.apply_default(s);
  }

 private:
  std::vector<Setting<S>> settings_;
};

namespace settings_detail {

// Reads one scalar with get (a Config member), range-checks it, stores it, runs the check.
template <class S, class V, class Get, class Store>
typename Setting<S>::Reader scalar_reader(Get get, Store store,
                                          std::function<double(const V&)> as_number,
                                          std::function<std::string(const V&)> show) {
  return [get, store, as_number, show](const Setting<S>& self, const Config& cfg, S& s) {
    const char* key = self.info().name.c_str();
    std::optional<V> v = get(cfg, key);
    if (!v) {
      self.report_missing(cfg);
      return;
    }
    if (as_number) {
      std::string problem = self.out_of_range(as_number(*v), show(*v));
      if (!problem.empty()) {
        cfg.error(key, problem);
        return;
      }
    }
    store(s, *v);
    self.run_check(cfg, s);
  };
}

inline std::string type_of_integer(bool is_unsigned) {
  return is_unsigned ? "integer (0 or more)" : "integer";
}

}  // namespace settings_detail

// ---- The kinds of setting ----

template <class S>
Setting<S> string(const char* name, std::string S::*field, std::string fallback,
                  const char* description) {
  SettingInfo info = settings_detail::info(name, "string", fallback, "", description);
  return Setting<S>(
      std::move(info), [field, fallback](S& s) { s.*field = fallback; },
      settings_detail::scalar_reader<S, std::string>(
          [](const Config& c, const char* k) { return c.string(k); },
          [field](S& s, const std::string& v) { s.*field = v; }, nullptr, nullptr));
}

// A string that may be absent (no default): the field stays nullopt.
template <class S>
Setting<S> string(const char* name, std::optional<std::string> S::*field, const char* description) {
  SettingInfo info = settings_detail::info(name, "string", "", "", description);
  return Setting<S>(
      std::move(info), [field](S& s) { s.*field = std::nullopt; },
      settings_detail::scalar_reader<S, std::string>(
          [](const Config& c, const char* k) { return c.string(k); },
          [field](S& s, const std::string& v) { s.*field = v; }, nullptr, nullptr));
}

template <class S, class T, class = std::enable_if_t<std::is_integral_v<T>>>
Setting<S> integer(const char* name, T S::*field, T fallback, const char* description) {
  SettingInfo info =
      settings_detail::info(name, "integer", std::to_string(fallback), "", description);
  auto setting = Setting<S>(
      std::move(info), [field, fallback](S& s) { s.*field = fallback; },
      settings_detail::scalar_reader<S, int64_t>(
          [](const Config& c, const char* k) { return c.integer(k); },
          [field](S& s, const int64_t& v) { s.*field = static_cast<T>(v); },
          [](const int64_t& v) { return static_cast<double>(v); },
          [](const int64_t& v) { return std::to_string(v); }),
      [](double v) { return settings_detail::number_text(v); });
  // A negative count would wrap around in an unsigned field.
  if constexpr (std::is_unsigned_v<T>) return std::move(setting).at_least(0);
  return setting;
}

template <class S>
Setting<S> number(const char* name, double S::*field, double fallback, const char* description) {
  SettingInfo info = settings_detail::info(name, "number", settings_detail::number_text(fallback),
                                           "", description);
  return Setting<S>(
      std::move(info), [field, fallback](S& s) { s.*field = fallback; },
      settings_detail::scalar_reader<S, double>(
          [](const Config& c, const char* k) { return c.number(k); },
          [field](S& s, const double& v) { s.*field = v; }, [](const double& v) { return v; },
          [](const double& v) { return settings_detail::number_text(v); }),
      [](double v) { return settings_detail::number_text(v); });
}

template <class S>
Setting<S> boolean(const char* name, bool S::*field, bool fallback, const char* description) {
  SettingInfo info =
      settings_detail::info(name, "boolean", fallback ? "true" : "false", "", description);
  return Setting<S>(
      std::move(info), [field, fallback](S& s) { s.*field = fallback; },
      settings_detail::scalar_reader<S, bool>(
          [](const Config& c, const char* k) { return c.boolean(k); },
          [field](S& s, const bool& v) { s.*field = v; }, nullptr, nullptr));
}

namespace settings_detail {

// Reads a duration into F (a duration, or an optional one), range-checked in milliseconds.
template <class S, class F>
Setting<S> duration_setting(SettingInfo info, F S::*field, typename Setting<S>::Defaulter fill) {
  using ms = std::chrono::milliseconds;
  return Setting<S>(
      std::move(info), std::move(fill),
      scalar_reader<S, ms>([](const Config& c, const char* k) { return c.duration(k); },
                           [field](S& s, const ms& v) { s.*field = v; },
                           [](const ms& v) { return static_cast<double>(v.count()); },
                           [](const ms& v) { return duration_text(v); }),
      [](double v) { return duration_text(ms(static_cast<int64_t>(v))); });
}

}  // namespace settings_detail

// "250ms", "5s", "2m", "1h", or a bare number of seconds.
template <class S>
Setting<S> duration(const char* name, std::chrono::milliseconds S::*field,
                    std::chrono::milliseconds fallback, const char* description) {
  return settings_detail::duration_setting<S>(
      settings_detail::info(name, "duration", settings_detail::duration_text(fallback), "",
                            description),
      field, [field, fallback](S& s) { s.*field = fallback; });
}

// A duration that may be absent (no default): the field stays nullopt.
template <class S>
Setting<S> duration(const char* name, std::optional<std::chrono::milliseconds> S::*field,
                    const char* description) {
  return settings_detail::duration_setting<S>(
      settings_detail::info(name, "duration", "", "", description), field,
      [field](S& s) { s.*field = std::nullopt; });
}

// One word out of a few, each standing for a value of the field (an enum, a bool).
template <class S, class T>
Setting<S> choice(const char* name, T S::*field, std::vector<std::pair<std::string, T>> choices,
                  std::string fallback, const char* description) {
  std::vector<std::string> words, quoted;
  for (const auto& c : choices) {
    words.push_back(c.first);
    quoted.push_back("'" + c.first + "'");
  }
  const std::string expected = "expected " + settings_detail::join(quoted, " or ");
  SettingInfo info = settings_detail::info(name, "string", fallback,
                                           settings_detail::join(words, " or "), description);
  T fallback_value{};
  for (const auto& c : choices) {
    if (c.first == fallback) fallback_value = c.second;
  }
  return Setting<S>(
      std::move(info), [field, fallback_value](S& s) { s.*field = fallback_value; },
      [field, choices, expected](const Setting<S>& self, const Config& cfg, S& s) {
        const char* key = self.info().name.c_str();
        std::optional<std::string> word = cfg.string(key);
        if (!word) {
          self.report_missing(cfg);
          return;
        }
        for (const auto& c : choices) {
          if (c.first == *word) {
            s.*field = c.second;
            self.run_check(cfg, s);
            return;
          }
        }
        cfg.error(key, expected + ", got '" + *word + "'");
      });
}

namespace settings_detail {

// A setting whose value is a collection, read whole with get: absent and empty are the same.
template <class S, class T, class Get>
Setting<S> collection(const char* name, T S::*field, const char* type, Get get,
                      const char* description) {
  SettingInfo info = settings_detail::info(name, type, "", "", description);
  return Setting<S>(
      std::move(info), [field](S& s) { (s.*field).clear(); },
      [field, get](const Setting<S>& self, const Config& cfg, S& s) {
        get(cfg, self.info().name.c_str(), s.*field);
        if ((s.*field).empty()) {
          self.report_missing(cfg);
          return;
        }
        self.run_check(cfg, s);
      });
}

}  // namespace settings_detail

template <class S>
Setting<S> strings(const char* name, std::vector<std::string> S::*field, const char* description) {
  return settings_detail::collection(
      name, field, "list of strings",
      [](const Config& cfg, const char* key, std::vector<std::string>& out) {
        out = cfg.strings(key);
      },
      description);
}

template <class S>
Setting<S> map(const char* name, std::vector<std::pair<std::string, std::string>> S::*field,
               const char* description) {
  return settings_detail::collection(
      name, field, "map of strings",
      [](const Config& cfg, const char* key,
         std::vector<std::pair<std::string, std::string>>& out) { out = cfg.map(key); },
      description);
}

namespace settings_detail {

inline std::vector<SettingInfo> prefixed(const SettingsDescription& table,
                                         const std::string& prefix) {
  std::vector<SettingInfo> out = table.infos();
  for (auto& i : out) i.name = prefix + i.name;
  return out;
}

}  // namespace settings_detail

// A mapping under name, read with its own table into a field of type C.
template <class S, class C>
Setting<S> section(const char* name, C S::*field, const SettingsTable<C>& table,
                   const char* description) {
  SettingInfo info = settings_detail::info(name, "mapping", "", "", description);
  Setting<S> setting(
      std::move(info), [field, &table](S& s) { table.defaults_into(s.*field); },
      [field, &table](const Setting<S>& self, const Config& cfg, S& s) {
        std::optional<Config> child = cfg.child(self.info().name.c_str());
        if (!child) {
          self.report_missing(cfg);
          return;
        }
        table.read_into(*child, s.*field);
        self.run_check(cfg, s);
      });
  setting.set_nested(settings_detail::prefixed(table, std::string(name) + "."));
  return setting;
}

// A list of mappings under name (rules, say), each read with the same table.
template <class S, class C>
Setting<S> sections(const char* name, std::vector<C> S::*field, const SettingsTable<C>& table,
                    const char* description) {
  Setting<S> setting = settings_detail::collection(
      name, field, "list of mappings",
      [&table](const Config& cfg, const char* key, std::vector<C>& out) {
        for (const Config& child : cfg.children(key)) out.push_back(table.read(child));
      },
      description);
  setting.set_nested(settings_detail::prefixed(table, std::string(name) + "[]."));
  return setting;
}

// A mapping read from a list, with the place it came from: for checks that only the plugin
// can make later (compiling a rule's pattern, say), so that their errors still point at it.
template <class C>
struct Located {
  Config at;
  C value;
};

template <class S, class C>
Setting<S> sections(const char* name, std::vector<Located<C>> S::*field,
                    const SettingsTable<C>& table, const char* description) {
  Setting<S> setting = settings_detail::collection(
      name, field, "list of mappings",
      [&table](const Config& cfg, const char* key, std::vector<Located<C>>& out) {
        for (const Config& child : cfg.children(key)) {
          out.push_back(Located<C>{child, table.read(child)});
        }
      },
      description);
  setting.set_nested(settings_detail::prefixed(table, std::string(name) + "[]."));
  return setting;
}

}  // namespace sluice
