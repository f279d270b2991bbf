// Prometheus' text exposition format (version 0.0.4), written as
// client_golang writes it: families sorted by name, each with HELP and
// TYPE, label values escaped, numbers as Go's strconv formats a float64
// ('g', shortest). Not async-signal-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gops::agent {

class PrometheusText {
 public:
  enum class Type { kCounter, kGauge };
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // A sample of family `name`; the first one of a family gives its help
  // and type. Label values that are not UTF-8 are repaired (U+FFFD).
  void add(const std::string& name, std::string_view help, Type type, double value, Labels labels = {});

  std::string text() const;

 private:
  struct Sample {
    Labels labels;
    double value;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<Sample> samples;
  };
  std::vector<Family> families_;
};

// strconv.FormatFloat(v, 'g', -1, 64), with client_golang's special cases
// (0, 1, -1, NaN, +Inf, -Inf).
std::string format_go_float(double v);

}  // namespace gops::agent
