#include "runtime/zoom/prompt_schedule.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "runtime/tokenizer/tokenizer_unicode.h"
#include "base/error.h"
#include "base/input_file.h"

namespace zoomrt {

static std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

const std::string& PromptSchedule::prompt_for(int keyframe) const {
  const Entry* best = &entries.front();
  for (const Entry& e : entries)
    if (e.first_keyframe <= keyframe) best = &e;
  return best->prompt;
}

PromptSchedule::Entry parse_prompt_entry(const std::string& text, const std::string& where) {
  const auto colon = text.find(':');
  if (colon == std::string::npos)
    fail_input("{}: '{}' is not <keyframe>:<prompt> (missing ':')", where, text);
  const std::string index = trim(text.substr(0, colon));
  PromptSchedule::Entry e;
  const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), e.first_keyframe);
  if (index.empty() || ec != std::errc() || end != index.data() + index.size() || e.first_keyframe < 0)
    fail_input("{}: '{}' is not a keyframe index (a whole number >= 0)", where, index);
  e.prompt = trim(text.substr(colon + 1));
  // Shells keep quotes in --prompt-at 3:"b" only when escaped; drop one matching pair.
  if (e.prompt.size() >= 2 && e.prompt.front() == '"' && e.prompt.back() == '"')
    e.prompt = e.prompt.substr(1, e.prompt.size() - 2);
  if (e.prompt.empty()) fail_input("{}: empty prompt for keyframe {}", where, e.first_keyframe);
  return e;
}

// Every prompt is checked when the schedule is made, before the first keyframe runs: an invalid
// byte in a later --prompt-at must not surface only after hours of earlier keyframes.
static void add_entry(PromptSchedule& s, PromptSchedule::Entry e, const std::string& where) {
  unicode::decode_utf8(e.prompt, where);
  for (const auto& old : s.entries)
    if (old.first_keyframe == e.first_keyframe)
      fail_input("{}: keyframe {} already has a prompt", where, e.first_keyframe);
  s.entries.push_back(std::move(e));
  std::sort(s.entries.begin(), s.entries.end(),
            [](const auto& a, const auto& b) { return a.first_keyframe < b.first_keyframe; });
}

static void require_start(const PromptSchedule& s, const std::string& where) {
  if (s.entries.empty() || s.entries.front().first_keyframe != 0)
    fail_input("{}: no prompt for keyframe 0 (give --prompt or a '0:' entry)", where);
}

PromptSchedule make_prompt_schedule(const std::string& prompt, const std::vector<std::string>& prompt_at,
                                    bool require_first) {
  PromptSchedule s;
  if (!trim(prompt).empty()) add_entry(s, {0, trim(prompt)}, "--prompt");
  for (const std::string& item : prompt_at) add_entry(s, parse_prompt_entry(item, "--prompt-at"), "--prompt-at");
  if (require_first) require_start(s, "--prompt");
  return s;
}

PromptSchedule load_prompt_schedule_file(const std::string& path, PromptSchedule base) {
  std::istringstream in(read_input_file(path, kMaxTextBytes, "prompt file"));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const std::string where = path + ":" + std::to_string(n);
    add_entry(base, parse_prompt_entry(t, where), where);
  }
  require_start(base, path);
  return base;
}

}  // namespace zoomrt
