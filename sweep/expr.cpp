// Recursive-descent parser for sweep constraints (see expr.h).
#include "sweep/expr.h"

#include <cctype>
#include <cstdlib>

#include "base/error.h"

namespace zoomrt::sweep {

namespace {

// Grammar: cmp := sum OP sum; sum := prod (('+'|'-') prod)*; prod := unary (('*'|'/') unary)*;
// unary := '-' unary | atom; atom := number | path | '(' sum ')'.
template <class Step>
class Parser {
 public:
  Parser(const std::string& s, const std::string& where,
         const std::function<PathValue(const std::string&)>& resolve)
      : s_(s), where_(where), resolve_(resolve) {}

  void sum(std::vector<Step>& out, int depth = 0) {
    if (depth > 64) fail("nested too deeply");
    prod(out, depth);
    for (;;) {
      skip();
      if (peek() == '+' || peek() == '-') {
        const char op = s_[pos_++];
        prod(out, depth);
        out.push_back({op == '+' ? Step::add : Step::sub, 0, -1});
      } else {
        return;
      }
    }
  }
  std::string comparison() {
    skip();
    static const char* const kOps[] = {"<=", ">=", "==", "!=", "<", ">"};
    for (const char* op : kOps) {
      const std::string o(op);
      if (s_.compare(pos_, o.size(), o) == 0) {
        pos_ += o.size();
        return o;
      }
    }
    fail(pos_ < s_.size() ? "expected a comparison (< <= > >= == !=) at '" + s_.substr(pos_) + "'"
                          : "expected a comparison (< <= > >= == !=)");
  }
  void end() {
    skip();
    if (pos_ != s_.size()) fail("unexpected '" + s_.substr(pos_) + "'");
  }
  [[noreturn]] void fail(const std::string& what) const {
    fail_input("{}: \"{}\": {}", where_, s_, what);
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void prod(std::vector<Step>& out, int depth) {
    unary(out, depth);
    for (;;) {
      skip();
      if (peek() == '*' || peek() == '/') {
        const char op = s_[pos_++];
        unary(out, depth);
        out.push_back({op == '*' ? Step::mul : Step::div, 0, -1});
      } else {
        return;
      }
    }
  }
  void unary(std::vector<Step>& out, int depth) {
    skip();
    if (peek() == '-') {
      ++pos_;
      if (depth > 64) fail("nested too deeply");
      unary(out, depth + 1);
      out.push_back({Step::neg, 0, -1});
      return;
    }
    atom(out, depth);
  }
  void atom(std::vector<Step>& out, int depth) {
    skip();
    const char c = peek();
    if (c == '(') {
      ++pos_;
      sum(out, depth + 1);
      skip();
      if (peek() != ')') fail("missing ')'");
      ++pos_;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + pos_;
      char* stop = nullptr;
      const double v = std::strtod(begin, &stop);
      if (stop == begin) fail("bad number");
      pos_ += size_t(stop - begin);
      out.push_back({Step::constant, v, -1});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '_' || s_[pos_] == '.'))
        ++pos_;
      const std::string path = s_.substr(start, pos_ - start);
      PathValue v;
      try {
        v = resolve_(path);
      } catch (const InputError& e) {
        fail(e.what());
      }
      if (v.axis >= 0)
        out.push_back({Step::axis, 0, v.axis});
      else
        out.push_back({Step::constant, v.constant, -1});
    } else {
      fail(c ? std::string("unexpected '") + c + "'" : "expression ends early");
    }
  }

  const std::string& s_;
  const std::string& where_;
  const std::function<PathValue(const std::string&)>& resolve_;
  size_t pos_ = 0;
};

}  // namespace

Constraint::Constraint(const std::string& text, const std::string& where,
                       const std::function<PathValue(const std::string&)>& resolve)
    : text_(text) {
  if (text.size() > 4096) fail_input("{}: longer than 4096 characters", where);
  Parser<Step> p(text_, where, resolve);
  p.sum(left_);
  op_ = p.comparison();
  p.sum(right_);
  p.end();
}

double Constraint::eval(const std::vector<Step>& prog, const std::vector<double>& v) const {
  double stack[256];
  int top = 0;
  for (const Step& s : prog) {
    if (top >= 256) fail_input("constraint \"{}\": too long", text_);
    switch (s.kind) {
      case Step::constant:
        stack[top++] = s.value;
        break;
      case Step::axis:
        stack[top++] = v[size_t(s.axis_index)];
        break;
      case Step::neg:
        stack[top - 1] = -stack[top - 1];
        break;
      default: {
        const double b = stack[--top], a = stack[top - 1];
        stack[top - 1] = s.kind == Step::add   ? a + b
                         : s.kind == Step::sub ? a - b
                         : s.kind == Step::mul ? a * b
                                               : a / b;
      }
    }
  }
  return stack[0];
}

bool Constraint::holds(const std::vector<double>& axis_values) const {
  const double a = eval(left_, axis_values), b = eval(right_, axis_values);
  if (op_ == "<=") return a <= b;
  if (op_ == ">=") return a >= b;
  if (op_ == "<") return a < b;
  if (op_ == ">") return a > b;
  if (op_ == "==") return a == b;
  return a != b;
}

}  // namespace zoomrt::sweep
