// zoomrt: the command-line front end. Exit statuses (docs/bad_input.md "Exit statuses"):
// 0 success; 2 bad input of any kind (InputError or a command-line parse error, one line on
// stderr); 3 out of memory; 1 anything else, a bug ("internal error", one line, please report).
#include <cstdio>
#include <exception>
#include <new>

#include "tools/zoomrt/commands.h"
#include "base/error.h"

int main(int argc, char** argv) {
  CLI::App app{"zoomrt: Stable Diffusion inpainting zoom on the CPU, with an NPU simulator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zoomrt 0.1");
#define X(fn, name, help) zoomrt::cli::setup_##fn(*app.add_subcommand(name, help));
  ZOOMRT_COMMANDS(X)
#undef X
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "zoomrt: %s\n", e.what());
    return 2;
  } catch (const zoomrt::InputError& e) {
    std::fprintf(stderr, "zoomrt: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "zoomrt: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zoomrt: internal error (a bug, please report it): %s\n", e.what());
    return 1;
  }
  return 0;
}
