#include "runtime/diffusion/rng.h"

#include <cmath>
#include <numbers>

namespace zoomrt {

std::array<uint32_t, 4> Rng::philox(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  constexpr uint64_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
  constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) k = {k[0] + kW0, k[1] + kW1};
    uint64_t p0 = kM0 * c[0], p1 = kM1 * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1], uint32_t(p0)};
  }
  return c;
}

uint32_t Rng::next_u32() {
  if (used_ == 4) {
    words_ = philox({uint32_t(block_), uint32_t(block_ >> 32), uint32_t(stream_), uint32_t(stream_ >> 32)}, key_);
    ++block_;
    used_ = 0;
  }
  return words_[used_++];
}

double Rng::uniform() { return (double(next_u32()) + 0.5) * 0x1p-32; }

void Rng::normal(std::span<float> out) {
  for (size_t i = 0; i < out.size(); i += 2) {
    double r = std::sqrt(-2.0 * std::log(uniform()));
    double theta = 2.0 * std::numbers::pi * uniform();
    out[i] = float(r * std::cos(theta));
    if (i + 1 < out.size()) out[i + 1] = float(r * std::sin(theta));
  }
}

}  // namespace zoomrt
