// One scan of the JPEG decoder: the MCU walk, restart markers, and the Huffman block coding of
// sequential scans and of the four progressive kinds (DC/AC, first pass/refinement; T.81 G.1.2).
// Cost: one block-decode call per block of the scan; each call does at most 64 coefficient
// steps, and a Huffman decode consumes at least one bit or marks the reader as overrun (checked
// after every MCU), so a scan is linear in its blocks plus its bytes.
#include <fmt/format.h>

#include "runtime/media/jpeg_internal.h"

namespace zoomrt::jpeg {
namespace {

struct ScanState {
  const Scan& scan;
  const Tables& tables;
  BitReader br;
  const std::string& path;
  std::array<int32_t, kMaxComponents> dc_pred{};  // per scan component
  int eobrun = 0;                                  // progressive AC: blocks left in an end-of-band run
};

using BlockFn = void (*)(ScanState&, int16_t* block, int scan_comp);

// The DC difference of one block (T.81 F.2.2.1); wraps rather than overflows on corrupt data.
int32_t next_dc(ScanState& st, int scan_comp) {
  const HuffmanTable& dc = st.tables.dc[size_t(st.scan.dc_table[size_t(scan_comp)])];
  const int s = decode_huffman(st.br, dc, st.path);
  if (s > 15) fail_corrupt(st.path, fmt::format("DC difference category {}, at most 15", s));
  const int diff = s ? extend(st.br.bits(s), s) : 0;
  int32_t& pred = st.dc_pred[size_t(scan_comp)];
  pred = int32_t(uint32_t(pred) + uint32_t(diff));
  return pred;
}

void block_sequential(ScanState& st, int16_t* blk, int scan_comp) {
  blk[0] = int16_t(next_dc(st, scan_comp));
  const HuffmanTable& ac = st.tables.ac[size_t(st.scan.ac_table[size_t(scan_comp)])];
  for (int k = 1; k < 64; ++k) {
    const int rs = decode_huffman(st.br, ac, st.path);
    const int r = rs >> 4, s = rs & 15;
    if (s == 0) {
      if (r != 15) break;  // end of block
      k += 15;             // 16 zeros
      continue;
    }
    k += r;
    if (k > 63) fail_corrupt(st.path, "AC coefficients run past the end of a block");
    blk[kZigzagToNatural[size_t(k)]] = int16_t(extend(st.br.bits(s), s));
  }
}

void block_dc_first(ScanState& st, int16_t* blk, int scan_comp) {
  blk[0] = int16_t(uint32_t(next_dc(st, scan_comp)) << st.scan.al);
}

void block_dc_refine(ScanState& st, int16_t* blk, int) {
  if (st.br.bit()) blk[0] = int16_t(blk[0] | (1 << st.scan.al));
}

void block_ac_first(ScanState& st, int16_t* blk, int scan_comp) {
  if (st.eobrun > 0) {
    --st.eobrun;
    return;
  }
  const HuffmanTable& ac = st.tables.ac[size_t(st.scan.ac_table[size_t(scan_comp)])];
  for (int k = st.scan.ss; k <= st.scan.se; ++k) {
    const int rs = decode_huffman(st.br, ac, st.path);
    const int r = rs >> 4, s = rs & 15;
    if (s == 0) {
      if (r == 15) {
        k += 15;
        continue;
      }
      st.eobrun = (1 << r) - 1;  // this block is the first of the run
      if (r) st.eobrun += st.br.bits(r);
      break;
    }
    k += r;
    if (k > st.scan.se) fail_corrupt(st.path, "AC coefficients run past the spectral band");
    blk[kZigzagToNatural[size_t(k)]] = int16_t(uint32_t(extend(st.br.bits(s), s)) << st.scan.al);
  }
}

// Successive-approximation refinement of the AC band (T.81 G.1.2.3): one correction bit for
// every coefficient already nonzero, new coefficients of magnitude 1 placed among the zeros.
void block_ac_refine(ScanState& st, int16_t* blk, int scan_comp) {
  const int p1 = 1 << st.scan.al, m1 = -p1;
  const int se = st.scan.se;
  auto refine = [&](int16_t& c) {
    if (st.br.bit() && (c & p1) == 0) c = int16_t(c >= 0 ? c + p1 : c + m1);
  };
  int k = st.scan.ss;
  if (st.eobrun == 0) {
    const HuffmanTable& ac = st.tables.ac[size_t(st.scan.ac_table[size_t(scan_comp)])];
    for (; k <= se; ++k) {
      const int rs = decode_huffman(st.br, ac, st.path);
      int r = rs >> 4;
      int value = 0;
      if ((rs & 15) != 0) {
        value = st.br.bit() ? p1 : m1;  // a size other than 1 is invalid; libjpeg reads it as 1 too
      } else if (r != 15) {
        st.eobrun = 1 << r;
        if (r) st.eobrun += st.br.bits(r);
        break;
      }
      // Skip r zero coefficients (refining the nonzero ones passed on the way).
      for (; k <= se; ++k) {
        int16_t& c = blk[kZigzagToNatural[size_t(k)]];
        if (c != 0) {
          refine(c);
        } else {
          if (r == 0) break;
          --r;
        }
      }
      if (value != 0) {
        if (k > se) fail_corrupt(st.path, "a refined AC coefficient lies past the spectral band");
        blk[kZigzagToNatural[size_t(k)]] = int16_t(value);
      }
    }
  }
  if (st.eobrun > 0) {
    for (; k <= se; ++k) {
      int16_t& c = blk[kZigzagToNatural[size_t(k)]];
      if (c != 0) refine(c);
    }
    --st.eobrun;
  }
}

BlockFn block_fn(const Frame& f, const Scan& s) {
  if (!f.progressive) return &block_sequential;
  if (s.ss == 0) return s.ah == 0 ? &block_dc_first : &block_dc_refine;
  return s.ah == 0 ? &block_ac_first : &block_ac_refine;
}

}  // namespace

size_t decode_scan(Frame& f, const Scan& scan, const Tables& t, const uint8_t* data, size_t size, size_t pos,
                   const std::string& path) {
  for (int i = 0; i < scan.ncomp; ++i) {
    Component& c = f.comp[size_t(scan.comp[size_t(i)])];
    if (c.coefs.empty()) c.coefs.assign(size_t(c.blocks_w) * size_t(c.blocks_h) * 64, 0);
  }
  const BlockFn fn = block_fn(f, scan);
  ScanState st{scan, t, BitReader(data, size, pos), path};
  // A single-component scan codes that component's own blocks, one per MCU (T.81 A.2.2);
  // an interleaved one codes h x v blocks of each component per MCU.
  const bool single = scan.ncomp == 1;
  Component& first = f.comp[size_t(scan.comp[0])];
  const int mcus_w = single ? first.scan_blocks_w : f.mcus_x;
  const int mcus_h = single ? first.scan_blocks_h : f.mcus_y;
  const int64_t mcus = int64_t(mcus_w) * mcus_h;
  int rst = 0;
  for (int64_t m = 0; m < mcus; ++m) {
    if (t.restart_interval > 0 && m > 0 && m % t.restart_interval == 0) {
      if (!st.br.restart(rst)) fail_corrupt(path, fmt::format("restart marker RST{} missing", rst));
      rst = (rst + 1) & 7;
      st.dc_pred = {};
      st.eobrun = 0;
    }
    const int mx = int(m % mcus_w), my = int(m / mcus_w);
    if (single) {
      fn(st, first.block(mx, my), 0);
    } else {
      for (int i = 0; i < scan.ncomp; ++i) {
        Component& c = f.comp[size_t(scan.comp[size_t(i)])];
        for (int by = 0; by < c.v; ++by)
          for (int bx = 0; bx < c.h; ++bx) fn(st, c.block(mx * c.h + bx, my * c.v + by), i);
      }
    }
    if (st.br.overran()) fail_corrupt(path, "scan data ends before its last block");
  }
  return st.br.next_marker_pos();
}

}  // namespace zoomrt::jpeg
