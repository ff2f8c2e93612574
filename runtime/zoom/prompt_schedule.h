// Prompts keyed by keyframe index: keyframe k uses the entry with the largest start <= k.
// Command-line syntax: --prompt "a" (keyframe 0) plus --prompt-at "3:b" --prompt-at "7:c";
// file syntax (--prompt-file): one "<keyframe>: <prompt>" per line, blank lines and lines
// starting with '#' ignored. Parse errors are InputError naming the option or file:line.
#pragma once
#include <string>
#include <vector>

namespace zoomrt {

struct PromptSchedule {
  struct Entry {
    int first_keyframe = 0;
    std::string prompt;
  };
  std::vector<Entry> entries;  // sorted by first_keyframe, the first one at 0

  const std::string& prompt_for(int keyframe) const;
};

// Parses one "<keyframe>:<prompt>" item; `where` names its origin in errors.
PromptSchedule::Entry parse_prompt_entry(const std::string& text, const std::string& where);

// Builds a schedule from --prompt (may be empty when an entry at 0 is given) and --prompt-at
// items. InputError: bad syntax, duplicate keyframe, empty prompt, nothing for keyframe 0
// (that last check skipped when !require_first: a prompt file may still add it).
PromptSchedule make_prompt_schedule(const std::string& prompt, const std::vector<std::string>& prompt_at,
                                    bool require_first = true);

// Reads a schedule file; entries from it join `base` (same rules as make_prompt_schedule).
PromptSchedule load_prompt_schedule_file(const std::string& path, PromptSchedule base = {});

}  // namespace zoomrt
