// Element types zoomrt knows: the safetensors dtypes plus our quantized formats later.
// One list (ZOOMRT_DTYPES) drives the enum, the names and the sizes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace zoomrt {

// X(enum name, safetensors name, bytes per element)
#define ZOOMRT_DTYPES(X) \
  X(F32, "F32", 4)       \
  X(F16, "F16", 2)       \
  X(BF16, "BF16", 2)     \
  X(I8, "I8", 1)         \
  X(U8, "U8", 1)         \
  X(I32, "I32", 4)       \
  X(I64, "I64", 8)       \
  X(BOOL, "BOOL", 1)

enum class DType : uint8_t {
#define X(e, name, bytes) e,
  ZOOMRT_DTYPES(X)
#undef X
};

inline constexpr DType kAllDTypes[] = {
#define X(e, name, bytes) DType::e,
    ZOOMRT_DTYPES(X)
#undef X
};

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
#define X(e, name, bytes) \
  case DType::e:          \
    return name;
    ZOOMRT_DTYPES(X)
#undef X
  }
  return "?";
}

constexpr size_t dtype_bytes(DType t) {
  switch (t) {
#define X(e, name, bytes) \
  case DType::e:          \
    return bytes;
    ZOOMRT_DTYPES(X)
#undef X
  }
  return 0;
}

inline std::optional<DType> dtype_from_name(std::string_view s) {
  for (DType t : kAllDTypes)
    if (dtype_name(t) == s) return t;
  return std::nullopt;
}

// IEEE half <-> float without F16C, exact for every value (round to nearest even on the way down).
inline float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal half: normalise
      int e = -1;
      do {
        mant <<= 1;
        ++e;
      } while ((mant & 0x400) == 0);
      bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffff;
  if (absx >= 0x7f800000) return uint16_t(sign | 0x7c00 | (absx > 0x7f800000 ? 0x200 : 0));
  if (absx >= 0x477ff000) return uint16_t(sign | 0x7c00);  // rounds to inf
  if (absx < 0x38800000) {                                  // subnormal or zero in half
    if (absx < 0x33000000) return uint16_t(sign);
    // value = m * 2^(e-150) and the half subnormal unit is 2^-24, so q = m >> (126 - e).
    uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7fffff) | 0x800000;
    uint32_t s = 126 - e;
    uint32_t q = m >> s;
    uint32_t rem = m & ((1u << s) - 1);
    uint32_t halfway = 1u << (s - 1);
    if (rem > halfway || (rem == halfway && (q & 1))) ++q;
    return uint16_t(sign | q);
  }
  uint32_t h = ((absx - 0x38000000) >> 13);
  uint32_t rem = absx & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return uint16_t(sign | h);
}

inline float bf16_to_float(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t float_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return uint16_t((x >> 16) | 0x40);  // quiet NaN
  x += 0x7fff + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

}  // namespace zoomrt
