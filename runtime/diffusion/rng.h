// Randomness for the pipeline: where every random number comes from.
//
// NoiseSource: fills a buffer with independent standard-normal samples. Schedulers that draw
// noise in step() (Euler ancestral, DDIM with eta > 0) take one, so a normal run passes an Rng
// and a parity test passes the noise the reference drew (diffusers draws with torch's
// generator, which we do not reproduce).
//
// Rng: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
// key = the 64-bit seed, counter = (block index, stream). Each 128-bit block gives four 32-bit
// words; a normal pair comes from two words by Box-Muller in double precision:
//   u1 = (w0 + 0.5) / 2^32 in (0, 1), u2 = (w1 + 0.5) / 2^32,
//   z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2).
// The sequence depends only on (seed, stream) and how many values were drawn before, never on
// threads: generation is serial.
#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace zoomrt {

class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  virtual void normal(std::span<float> out) = 0;  // i.i.d. N(0, 1)
};

class Rng final : public NoiseSource {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0) : key_{uint32_t(seed), uint32_t(seed >> 32)}, stream_(stream) {}

  // One Philox4x32-10 block for an explicit counter and key (exposed for known-answer tests).
  static std::array<uint32_t, 4> philox(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

  uint32_t next_u32();
  double uniform();  // in (0, 1), 32 bits of resolution
  void normal(std::span<float> out) override;

 private:
  std::array<uint32_t, 2> key_;
  uint64_t stream_;
  uint64_t block_ = 0;
  std::array<uint32_t, 4> words_{};
  int used_ = 4;  // words of words_ already handed out
};

}  // namespace zoomrt
