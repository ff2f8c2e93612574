// best_fused (a chain's tiling search) and plan_layers_fused (which chains to fuse). See fused_plan.h.
#include "scheduler/fused_plan.h"

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "base/error.h"

namespace zoomrt::sched {

namespace {

std::string chain_key(const FusedChain& ch, const CostContext& c) {
  std::string k;
  for (size_t i = 0; i < ch.layers.size(); ++i) {
    k += ch.layers[i].shape_key() + "|";
    if (i < ch.links.size()) k += std::string(link_kind_name(ch.links[i])) + "|";
  }
  return k + c.key;
}

// Keys per block of an attention layer (0: all of Lk at once).
constexpr int64_t kKvRowCandidates[] = {0, 256, 64};

std::vector<int64_t> row_candidates(int64_t rows) {
  std::vector<int64_t> v;
  for (int64_t r = 1; r < rows; r *= 2) v.push_back(r);
  v.push_back(rows);
  return v;
}

// A lower bound of the chain's objective value (sum over its layers, as the sequence DP adds).
double lower_bound(const FusedChainPlan& p, const CostContext& c) {
  double v = 0;
  for (size_t i = 0; i < p.chain.layers.size(); ++i) {
    TilingFacts f;  // no cycles, one step: below every real schedule
    v += objective_lower_bound(p.chain.layers[i], f, p.traffic.read_bytes[i], p.traffic.write_bytes[i], c);
  }
  return v;
}

double chain_value(const FusedChainPlan& p, Objective o) {
  double v = 0;
  for (const PlanCost& pc : p.costs) v += objective_value(o, pc);
  return v;
}

std::mutex cache_mu;
std::map<std::string, std::optional<FusedChainPlan>>& cache() {
  static std::map<std::string, std::optional<FusedChainPlan>> m;
  return m;
}

std::optional<FusedChainPlan> search(const FusedChain& chain, const CostContext& c) {
  if (!chain_problem(chain).empty()) return std::nullopt;
  const bool attention = chain_has_attention(chain);
  int64_t max_lk = 0;
  for (const Layer& l : chain.layers)
    if (l.kind == LayerKind::attention) max_lk = std::max(max_lk, l.attn.lk);
  bool windows = false;  // a halo exists only where a conv's window is taller than its stride
  for (const Layer& l : chain.layers) windows = windows || (l.kind == LayerKind::conv && l.conv.r > l.conv.stride);
  struct Cand {
    FusedChainPlan plan;
    double bound = 0;
  };
  std::vector<Cand> cands;
  for (int64_t rows : row_candidates(output_rows(chain.layers.back())))
    for (HaloMode h : {HaloMode::line_buffer, HaloMode::recompute})
      for (bool resident : {true, false})
        for (KvMode kv : {KvMode::resident, KvMode::streamed})
          for (int64_t kv_rows : kKvRowCandidates) {
            if (h == HaloMode::recompute && !windows) continue;
            if (!attention && (kv == KvMode::streamed || kv_rows)) continue;
            if (attention && kv_rows >= max_lk) continue;
            FusedTiling t{rows, h, resident, attention ? kv : KvMode::none, kv_rows};
            if (!fits(fused_sram_use(chain, t), c.budget)) continue;
            Cand cand;
            cand.plan.chain = chain;
            cand.plan.tiling = t;
            cand.plan.traffic = fused_traffic(chain, t);
            cand.bound = lower_bound(cand.plan, c);
            cands.push_back(std::move(cand));
          }
  std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.bound < b.bound; });
  std::optional<FusedChainPlan> best;
  double best_value = std::numeric_limits<double>::infinity();
  for (Cand& cand : cands) {
    if (best && cand.bound >= best_value) break;
    for (size_t i = 0; i < chain.layers.size(); ++i) cand.plan.costs.push_back(cost_fused_layer(cand.plan, int(i), c));
    const double v = chain_value(cand.plan, c.objective);
    if (v < best_value) best_value = v, best = std::move(cand.plan);
  }
  return best;
}

// The fused plan of one layer of a chain, as a Plan (tables and the accountant read it).
Plan layer_plan(const std::shared_ptr<const FusedChainPlan>& fp, int i) {
  const Layer& l = fp->chain.layers[size_t(i)];
  const LoopNest n = make_loop_nest(l);
  Plan p;
  p.strategy = Strategy::fused;
  p.layout = DramLayout::row_major;
  for (int d = 0; d < n.dims(); ++d) p.tiling.tile[size_t(d)] = n.dim_sizes[size_t(d)];
  if (l.kind == LayerKind::attention) {  // B H LQ LK: rows of B*Lq
    const int64_t rows = fp->tiling.rows, lq = l.attn.lq;
    p.tiling.tile[0] = rows >= lq ? std::min(l.attn.b, (rows + lq - 1) / lq) : 1;
    p.tiling.tile[2] = std::min(lq, rows);
  } else {
    const int row_dim = l.kind == LayerKind::conv ? 4 : 0;  // P (G N K C P Q) or M (M N K)
    p.tiling.tile[row_dim] = std::min(n.dim_sizes[size_t(row_dim)], fp->tiling.rows);
  }
  p.tiling.order = all_loop_orders(n).front();
  p.traffic.operands.resize(n.operands.size());
  for (size_t o = 0; o < n.operands.size(); ++o) p.traffic.operands[o].name = n.operands[o].name;
  const uint64_t weights = fp->traffic.weight_read_bytes[size_t(i)];
  p.traffic.operands[size_t(n.weight_operand)].read_bytes = weights;
  if (l.kind == LayerKind::attention) {  // K and V: equal shares
    p.traffic.operands[size_t(n.weight_operand)].read_bytes = weights / 2;
    p.traffic.operands[size_t(n.weight_operand) + 1].read_bytes = weights - weights / 2;
  }
  p.traffic.operands[size_t(n.input_operand)].read_bytes = fp->traffic.read_bytes[size_t(i)] - weights;
  p.traffic.operands[size_t(n.output_operand)].write_bytes = fp->traffic.write_bytes[size_t(i)];
  p.traffic.read_bytes = fp->traffic.read_bytes[size_t(i)];
  p.traffic.write_bytes = fp->traffic.write_bytes[size_t(i)];
  p.traffic.transfers = fp->traffic.transfers[size_t(i)];
  p.sram = fused_sram_use(fp->chain, fp->tiling);
  p.tile = fmt::format("fused {}/{} {}", i + 1, fp->chain.layers.size(), fp->tiling.describe());
  p.loop_order = "depth-first";
  p.cost = fp->costs[size_t(i)];
  p.fused = fp;
  p.fused_layer = i;
  return p;
}

}  // namespace

std::optional<FusedChainPlan> best_fused(const FusedChain& chain, const CostContext& c) {
  const std::string key = chain_key(chain, c);
  {
    std::lock_guard lock(cache_mu);
    if (auto it = cache().find(key); it != cache().end()) return it->second;
  }
  std::optional<FusedChainPlan> best = search(chain, c);
  std::lock_guard lock(cache_mu);
  return cache().emplace(key, std::move(best)).first->second;
}

FusedChainPlan require_fused(const FusedChain& chain, const CostContext& c) {
  std::string names;
  for (const Layer& l : chain.layers) names += (names.empty() ? "" : " -> ") + l.name;
  if (const std::string why = chain_problem(chain); !why.empty()) fail_input("fused chain {}: {}", names, why);
  if (std::optional<FusedChainPlan> p = best_fused(chain, c)) return *p;
  const KvMode kv = chain_has_attention(chain) ? KvMode::streamed : KvMode::none;
  const SramUse one = fused_sram_use(chain, FusedTiling{1, HaloMode::line_buffer, false, kv});
  fail_input("fused chain {}: sram.bytes: SRAM too small: one row with streamed weights needs {} bytes, {}", names,
             one.total(), c.budget.describe());
}

std::vector<Plan> plan_layers_fused(const std::vector<Layer>& layers, const std::vector<LinkKind>& links,
                                    const CostContext& c, const std::vector<double>& link_credit,
                                    bool require) {
  const size_t n = layers.size();
  for (size_t i = 1; require && i < n; ++i)
    if (chainable(layers[i - 1], layers[i], links[i])) require_fused({{layers[i - 1], layers[i]}, {links[i]}}, c);
  std::vector<Plan> base = plan_layers(layers, Strategy::adaptive, c);
  if (n < 2) {
    for (Plan& p : base) p.strategy = Strategy::fused;
    return base;
  }
  // base[i] when its input arrives row-major (first layer, or after a fused chain).
  std::vector<std::optional<Plan>> fresh(n);
  auto fresh_plan = [&](size_t i) -> const Plan& {
    if (!fresh[i]) {
      Plan p = base[i];
      if (p.relayout_read_bytes) {
        p.relayout_read_bytes = p.relayout_write_bytes = 0;
        p.cost = cost_plan(layers[i], p, c);
      }
      if (!reads_row_major_input(layers[i], p)) p = plan_with_relayout(layers[i], std::move(p), c);
      fresh[i] = std::move(p);
    }
    return *fresh[i];
  };
  // DP over positions; state 0: layer i-1 ran its per-layer plan, state 1: a fused chain ended there.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Choice {
    double value = kInf;
    int from_state = -1;
    size_t start = 0;                            // fused: first layer of the chain
    std::shared_ptr<const FusedChainPlan> chain;  // null: per-layer plan
    bool relayout_in = false;                     // fused: its input re-laid out first
  };
  std::vector<std::array<Choice, 2>> dp(n + 1);
  dp[0][1].value = 0;  // the model's input arrives row-major
  const Objective o = c.objective;
  for (size_t i = 0; i < n; ++i) {
    for (int s = 0; s < 2; ++s) {
      if (dp[i][size_t(s)].value == kInf) continue;
      const double v0 = dp[i][size_t(s)].value;
      // Per-layer plan.
      const Plan& p = (s == 0 && i > 0) ? base[i] : fresh_plan(i);
      if (double v = v0 + objective_value(o, p.cost); v < dp[i + 1][0].value)
        dp[i + 1][0] = {v, s, i, nullptr, false};
      // Fused chains starting at i.
      FusedChain chain;
      chain.layers.push_back(layers[i]);
      for (size_t j = i + 1; j < n && j - i < size_t(kMaxChainLayers); ++j) {
        if (!chainable(layers[j - 1], layers[j], links[j])) break;
        chain.layers.push_back(layers[j]);
        chain.links.push_back(links[j]);
        std::optional<FusedChainPlan> fp = best_fused(chain, c);
        if (!fp) continue;
        const bool relayout = s == 0 && i > 0 && layers_connected(layers[i - 1], layers[i]) &&
                              !writes_row_major_output(layers[i - 1], base[i - 1]);
        double v = v0;
        for (const PlanCost& pc : fp->costs) v += objective_value(o, pc);
        for (size_t k = i + 1; k <= j && k < link_credit.size(); ++k) v -= link_credit[k];
        if (relayout) {
          Plan first = layer_plan(std::make_shared<const FusedChainPlan>(*fp), 0);
          v -= objective_value(o, first.cost);
          v += objective_value(o, plan_with_relayout(layers[i], first, c).cost);
        }
        if (v < dp[j + 1][1].value)
          dp[j + 1][1] = {v, s, i, std::make_shared<const FusedChainPlan>(std::move(*fp)), relayout};
      }
    }
  }
  // Walk back.
  std::vector<Plan> plans(n);
  int s = dp[n][0].value <= dp[n][1].value ? 0 : 1;
  for (size_t end = n; end > 0;) {
    const Choice& ch = dp[end][size_t(s)];
    if (!ch.chain) {
      const size_t i = end - 1;
      plans[i] = (ch.from_state == 0 && i > 0) ? base[i] : fresh_plan(i);
      end = i;
    } else {
      for (size_t k = ch.start; k < end; ++k) plans[k] = layer_plan(ch.chain, int(k - ch.start));
      if (ch.relayout_in) plans[ch.start] = plan_with_relayout(layers[ch.start], plans[ch.start], c);
      end = ch.start;
    }
    s = ch.from_state;
  }
  // Never worse than the per-layer sequence it falls back to (EDP is not additive).
  // The credited vector ops only lose energy and time when fused; for EDP (a product of totals)
  // the matrix layers alone must already be no worse.
  double credit = 0;
  for (size_t k = 1; o != Objective::edp && k < n && k < link_credit.size(); ++k)
    if (plans[k].fused && plans[k].fused == plans[k - 1].fused) credit += link_credit[k];
  if (sequence_value(o, base) < sequence_value(o, plans) - credit) plans = std::move(base);
  for (Plan& p : plans) p.strategy = Strategy::fused;
  return plans;
}

}  // namespace zoomrt::sched
