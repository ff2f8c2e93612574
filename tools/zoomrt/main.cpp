// zoomrt: the command-line front end. Bad input of any kind ends in one line on stderr and
// exit status 2 (InputError or a command-line parse error); anything else is a bug.
#include <cstdio>
#include <exception>

#include "tools/zoomrt/commands.h"
#include "weights/error.h"

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
  }
  return 0;
}
