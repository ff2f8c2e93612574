// The zoom driver with a fake Inpainter: outputs on disk, resume after a simulated kill and
// after a shorter run (byte-identical frames), zoom-in = reversed, the prompt schedule, and
// bad input refused before anything already written is touched.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/media/image_io.h"
#include "runtime/zoom/zoom.h"
#include "base/error.h"

namespace fs = std::filesystem;
using namespace zoomrt;

namespace {

// Masked pixels get a pattern from the seed and prompt; kept pixels come back slightly
// changed, as they would through a VAE (the driver must paste the originals back).
struct FakeInpainter : Inpainter {
  int calls = 0;
  int throw_at_seed = -1;  // simulates a kill during that keyframe
  std::map<uint64_t, std::string> prompt_by_seed;
  Image inpaint(const InpaintRequest& req, InpaintTimings* t) override {
    if (int(req.seed) == throw_at_seed) throw std::runtime_error("killed");
    ++calls;
    prompt_by_seed[req.seed] = req.prompt;
    Image out = *req.image;
    const size_t hash = std::hash<std::string>{}(req.prompt) % 97;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < out.height; ++y)
        for (int x = 0; x < out.width; ++x) {
          const size_t i = size_t(y) * out.width + x;
          float& v = out.plane(c)[i];
          v = req.mask->values[i] > 0.5f ? float((x * 3 + y * 5 + c * 11 + req.seed * 7 + hash) % 64) / 63.0f
                                         : v * 0.9f + 0.05f;
        }
    if (t) t->unet_s = t->total_s = 0.001;
    return out;
  }
};

std::string fresh_dir(const std::string& name) {
  const std::string d = "/tmp/zoomrt_zoom_driver_" + std::to_string(::getpid()) + "/" + name;
  fs::remove_all(d);
  return d;
}

ZoomOptions small_options(const std::string& out, int keyframes) {
  ZoomOptions o;
  o.width = 48;
  o.height = 32;
  o.keyframes = keyframes;
  o.frames_between = 2;
  o.feather_px = 3;
  o.seed = 11;
  o.prompts = make_prompt_schedule("a castle", {"2:a forest"});
  o.out_dir = out;
  o.quiet = true;
  o.video = false;
  return o;
}

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

std::vector<std::string> frames_of(const std::string& out) {
  std::vector<std::string> v;
  for (int i = 0; fs::exists(fmt::format("{}/frames/{:06}.png", out, i)); ++i)
    v.push_back(bytes_of(fmt::format("{}/frames/{:06}.png", out, i)));
  return v;
}

}  // namespace

TEST_CASE("a zoom writes frames, keyframes, state and stats, keyframes keep the shrunk centre") {
  const std::string out = fresh_dir("basic");
  FakeInpainter fake;
  const ZoomResult r = run_zoom(small_options(out, 4), fake);
  CHECK(r.frames == 1 + 3 * 3);
  CHECK(fake.calls == 4);  // the first frame from the prompt plus three outpaintings
  CHECK(frames_of(out).size() == 10);
  CHECK(fake.prompt_by_seed[11] == "a castle");
  CHECK(fake.prompt_by_seed[12] == "a castle");
  CHECK(fake.prompt_by_seed[13] == "a forest");  // --prompt-at 2:
  CHECK(fake.prompt_by_seed[14] == "a forest");

  const auto stats = nlohmann::json::parse(bytes_of(out + "/stats.json"));
  REQUIRE(stats["frames"].size() == 10);
  CHECK(stats["frames"][3]["keyframe"] == true);
  CHECK(stats["frames"][3]["keyframe_index"] == 1);
  CHECK(stats["frames"][4]["keyframe"] == false);
  CHECK(stats["frames"][4]["sim"].is_null());
  CHECK(stats["summary"]["sim"].is_null());
  CHECK(stats["summary"]["inpainted_keyframes"] == 4);

  // Keyframe 2 (frame 6) holds keyframe 1 (frame 3) box-shrunk 2x, exactly, >= 3 px inside.
  const Image k1 = load_image(out + "/frames/000003.png"), k2 = load_image(out + "/frames/000006.png");
  for (int y = 8 + 3; y < 24 - 3; ++y)
    for (int x = 12 + 3; x < 36 - 3; ++x)
      for (int c = 0; c < 3; ++c) {
        const int sx = 2 * (x - 12), sy = 2 * (y - 8);
        const float* p = k1.plane(c);
        const float mean = (p[sy * 48 + sx] + p[sy * 48 + sx + 1] + p[(sy + 1) * 48 + sx] + p[(sy + 1) * 48 + sx + 1]) / 4;
        CHECK(std::abs(int(to_u8(k2.plane(c)[y * 48 + x])) - int(to_u8(mean))) <= (std::fmod(mean * 255, 1.0f) == 0.5f));
      }
}

TEST_CASE("resume after a simulated kill gives byte-identical frames") {
  const std::string ref = fresh_dir("ref"), cut = fresh_dir("cut");
  FakeInpainter a;
  run_zoom(small_options(ref, 5), a);
  REQUIRE(frames_of(ref).size() == 13);

  FakeInpainter killed;
  killed.throw_at_seed = 11 + 3;  // dies while making keyframe 3
  CHECK_THROWS(run_zoom(small_options(cut, 5), killed));
  CHECK(killed.calls == 3);
  const auto state = nlohmann::json::parse(bytes_of(cut + "/state.json"));
  CHECK(state["keyframes_done"] == 3);

  ZoomOptions again = small_options(cut, 5);
  CHECK_THROWS_WITH(run_zoom(again, a), Catch::Contains("--resume"));  // not without asking
  again.resume = true;
  FakeInpainter rest;
  const ZoomResult r = run_zoom(again, rest);
  CHECK(rest.calls == 2);  // only keyframes 3 and 4
  CHECK(r.keyframes_made == 2);
  CHECK(frames_of(cut) == frames_of(ref));
}

TEST_CASE("resume extends a finished shorter run to the same frames as one long run") {
  const std::string ref = fresh_dir("ref4"), two = fresh_dir("two");
  FakeInpainter a, b, c;
  run_zoom(small_options(ref, 4), a);
  run_zoom(small_options(two, 2), b);
  ZoomOptions more = small_options(two, 4);
  more.resume = true;
  run_zoom(more, c);
  CHECK(c.calls == 2);
  CHECK(frames_of(two) == frames_of(ref));
  CHECK(bytes_of(two + "/stats.json").size() > 0);
}

TEST_CASE("zoom-in writes the reversed sequence, also when resumed") {
  const std::string out = fresh_dir("out"), in = fresh_dir("in");
  FakeInpainter a, b, c;
  run_zoom(small_options(out, 3), a);
  ZoomOptions zi = small_options(in, 2);
  zi.zoom_in = true;
  run_zoom(zi, b);
  zi.keyframes = 3;
  zi.resume = true;
  run_zoom(zi, c);
  auto forward = frames_of(out), backward = frames_of(in);
  REQUIRE(forward.size() == 7);
  std::reverse(backward.begin(), backward.end());
  CHECK(forward == backward);
}

TEST_CASE("a start image becomes frame 0 without inpainting") {
  const std::string out = fresh_dir("start");
  ZoomOptions o = small_options(out, 2);
  o.input_image = std::string(ZOOMRT_FIXTURES_DIR) + "/zoom/start.jpg";
  FakeInpainter fake;
  run_zoom(o, fake);
  CHECK(fake.calls == 1);
  CHECK(fake.prompt_by_seed.count(11) == 0);
  const Image f0 = load_image(out + "/frames/000000.png");
  CHECK(f0.width == 48);
  CHECK(f0.height == 32);
}

TEST_CASE("bad input is InputError before anything on disk changes") {
  const std::string out = fresh_dir("keep");
  FakeInpainter fake;
  run_zoom(small_options(out, 2), fake);
  const auto before = frames_of(out);
  const std::string state = bytes_of(out + "/state.json");
  auto expect_bad = [&](ZoomOptions o, const std::string& mention) {
    FakeInpainter f;
    CHECK_THROWS_AS(run_zoom(o, f), InputError);
    CHECK_THROWS_WITH(run_zoom(o, f), Catch::Contains(mention));
    CHECK(f.calls == 0);
    CHECK(frames_of(out) == before);
    CHECK(bytes_of(out + "/state.json") == state);
  };
  ZoomOptions o = small_options(out, 3);
  o.resume = true;
  auto bad = o;
  bad.keyframes = 0;
  expect_bad(bad, "--keyframes");
  bad = o;
  bad.width = 50;
  expect_bad(bad, "multiples of 8");
  bad = o;
  bad.seed = 12;  // resume with other pixels: refused, naming the option
  expect_bad(bad, "seed");
  bad = o;
  bad.prompts = make_prompt_schedule("a ship", {});
  expect_bad(bad, "prompt for keyframe 0");
  bad = o;
  bad.input_image = out + "/missing.png";
  expect_bad(bad, "missing.png");
  bad = o;
  bad.input_image = out + "/state.json";  // not an image
  expect_bad(bad, "state.json");
  bad = o;
  bad.resume = false;  // would overwrite a previous run
  expect_bad(bad, "previous run");
  bad = o;
  bad.out_dir = out + "/state.json/sub";  // under a regular file: cannot be created
  expect_bad(bad, "--out");
  bad = o;
  bad.fps = 0;
  expect_bad(bad, "--fps");
}

TEST_CASE("prompt schedules parse from options and files, errors name the place") {
  const PromptSchedule s = make_prompt_schedule("a", {"3:b", "7: \"c\""});
  CHECK(s.prompt_for(0) == "a");
  CHECK(s.prompt_for(2) == "a");
  CHECK(s.prompt_for(3) == "b");
  CHECK(s.prompt_for(100) == "c");
  CHECK_THROWS_WITH(make_prompt_schedule("a", {"x:b"}), Catch::Contains("--prompt-at") && Catch::Contains("'x'"));
  CHECK_THROWS_WITH(make_prompt_schedule("a", {"3b"}), Catch::Contains("missing ':'"));
  CHECK_THROWS_WITH(make_prompt_schedule("a", {"3:b", "3:c"}), Catch::Contains("already has a prompt"));
  CHECK_THROWS_WITH(make_prompt_schedule("a", {"-1:b"}), Catch::Contains("keyframe index"));
  CHECK_THROWS_WITH(make_prompt_schedule("a", {"2:"}), Catch::Contains("empty prompt"));
  CHECK_THROWS_WITH(make_prompt_schedule("", {"2:b"}), Catch::Contains("keyframe 0"));
  CHECK(make_prompt_schedule("", {"0:z"}).prompt_for(5) == "z");

  const std::string dir = fresh_dir("prompts");
  fs::create_directories(dir);
  std::ofstream(dir + "/p.txt") << "# comment\n0: first\n\n4: second\n";
  const PromptSchedule f = load_prompt_schedule_file(dir + "/p.txt");
  CHECK(f.prompt_for(3) == "first");
  CHECK(f.prompt_for(4) == "second");
  std::ofstream(dir + "/bad.txt") << "0: first\nfour: second\n";
  CHECK_THROWS_WITH(load_prompt_schedule_file(dir + "/bad.txt"), Catch::Contains("bad.txt:2"));
  CHECK_THROWS_AS(load_prompt_schedule_file(dir + "/none.txt"), InputError);
}
