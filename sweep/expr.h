// Constraint expressions of a sweep space ("npu.array.rows * npu.array.cols <= 65536"): numbers,
// dotted paths, + - * / (unary minus too), parentheses, and one comparison < <= > >= == != at the
// top. Paths are resolved once, when parsed, by the caller's `resolve` (an axis index or a
// constant); evaluation then needs only the point's axis values, so pruning millions of
// combinations is cheap. Errors: InputError "<where>: <problem>" (`where` names the constraint).
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace zoomrt::sweep {

// What a path stands for: the value of axis `axis` (>= 0), or `constant` (axis < 0).
struct PathValue {
  int axis = -1;
  double constant = 0;
};

class Constraint {
 public:
  // Parses `text`; resolve(path) returns the path's PathValue or throws InputError.
  Constraint(const std::string& text, const std::string& where,
             const std::function<PathValue(const std::string&)>& resolve);
  // True when the point whose numeric axis values are `axis_values` satisfies it.
  bool holds(const std::vector<double>& axis_values) const;
  const std::string& text() const { return text_; }

 private:
  // Postfix program: push constant / push axis / apply operator.
  struct Step {
    enum Kind { constant, axis, add, sub, mul, div, neg } kind = constant;
    double value = 0;
    int axis_index = -1;
  };
  double eval(const std::vector<Step>& prog, const std::vector<double>& v) const;
  std::string text_;
  std::vector<Step> left_, right_;
  std::string op_;
};

}  // namespace zoomrt::sweep
