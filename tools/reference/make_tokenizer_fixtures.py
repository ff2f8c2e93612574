#!/usr/bin/env python3
"""Golden token ids from transformers' CLIPTokenizer, and the Unicode tables our tokenizer needs.

Run: /work/refenv/bin/python tools/reference/make_tokenizer_fixtures.py   (from the repo root)

Writes
  tests/fixtures/tokenizer/clip_full/       the real CLIP vocabulary (vocab.json, merges.txt) rebuilt
                                            from open_clip's bpe_simple_vocab_16e6.txt.gz, SD2 configs
                                            (pad "!"); only when it stays under 2.5 MB
  tests/fixtures/tokenizer/clip_full_sd15/  SD1.5's special_tokens_map/tokenizer_config (pad EOS)
  tests/fixtures/tokenizer/small_sd2/, small_sd15/  a trimmed tokenizer (512 byte symbols + the
                                            first 2000 merges), always tested
  tests/fixtures/tokenizer/golden.json       prompts and the ids transformers gives for each variant
  runtime/tokenizer/tokenizer_unicode_data.inc        character classes, lower-case map and NFC data, probed
                                            from the `tokenizers` library transformers runs on (so
                                            the Unicode version is the one it uses)
"""
import gzip
import json
import os
import shutil
import sys
import unicodedata

import open_clip
from tokenizers import Regex, normalizers, pre_tokenizers
from transformers import CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "tokenizer")
INC = os.path.join(ROOT, "runtime", "tokenizer_unicode_data.inc")
SMALL_MERGES = 2000
FULL_LIMIT_BYTES = 2_500_000

PROMPTS = [
    "", "   ", "a photo of a cat", "A Photo Of A CAT", "an astronaut riding a horse on mars",
    "a beautiful landscape, 8k uhd, dslr, soft lighting, high quality, film grain, Fujifilm XT3",
    "don't stop", "DON'T STOP", "it's I'm we'll they've you'd you're", "don’t (curly apostrophe)",
    "rock'n'roll o'clock 'quoted'", "''''s", "café crème brûlée", "cafe\u0301 decomposed accent",
    "Straße in München", "İstanbul at night", "ΟΔΥΣΣΕΥΣ and Ελλάδα", "Москва зимой",
    "مدينة عربية قديمة", "हिन्दी में एक बिल्ली", "一只猫在月球上", "東京の夜景、ネオン",
    "서울의 밤 풍경", "\u1100\u1161\u11a8 jamo", "🐱🚀 cat rocket", "👨‍👩‍👧‍👦 family emoji",
    "🇯🇵 flag and 👍🏽 thumbs", "ＡＢＣ fullwidth ＦＵＬＬ", "1920x1080 resolution", "3.14159 and 2,718",
    "½ cup, x² + y³", "Ⅻ roman ⅻ", "٣٤٥ arabic digits", "&amp; &lt;3 &quot;html&quot; &#39;",
    "multiple   spaces\n\nnewlines\ttabs", "\u00a0nbsp\u3000ideographic\u2003em space",
    "zero\u200bwidth\u200djoiner", "ligature ﬁne ﬂow", "\u212b angstrom \u212a kelvin",
    "hello! world!!", "wow!!! <|endoftext|> inside", "x<<|endoftext|>y <|STARTOFTEXT|>",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "https://example.com/path?q=1&r=2 #hashtag @user", "C++ and C# and F#", "$100 €50 £20 ¥1000",
    "snake_case camelCase kebab-case", "(parentheses) [brackets] {braces} <angles>",
    "trailing spaces   ", "   leading spaces", "tab\tseparated\tvalues", "control\x00\x07\x7fchars",
    "Ünïcödé Çedilla Ñandú", "ǅ titlecase ǈ", "ᏣᎳᎩ cherokee", "𝐁𝐨𝐥𝐝 math letters 𝟏𝟐𝟑",
    "word " * 100,
    "a majestic castle on a hill surrounded by clouds, golden hour, intricate details, trending on "
    "artstation, concept art, matte painting, by greg rutkowski and alphonse mucha, octane render, "
    "unreal engine, volumetric lighting, cinematic composition, ultra detailed, sharp focus",
    "one two three four five six seven eight nine ten " * 9,
]

TOKEN_SPLIT = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]  # in CLIP's order: printable bytes first, so "!" is id 0


def clip_merges():
    path = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
    lines = gzip.open(path).read().decode("utf-8").split("\n")
    # Same slice as CLIP's SimpleTokenizer: 49152 - 256 - 2 merges after the header line.
    return [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]


def write_tokenizer(d, merges, pad_variant, with_vocab=True):
    os.makedirs(d, exist_ok=True)
    if with_vocab:
        base = bytes_to_unicode()
        vocab = base + [b + "</w>" for b in base] + ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    # The shapes of the files in stabilityai/stable-diffusion-2-inpainting (pad "!") and
    # runwayml/stable-diffusion-inpainting (pad given as a plain string, the EOS token).
    tok = {"content": "<|startoftext|>", "lstrip": False, "normalized": True, "rstrip": False,
           "single_word": False}
    eos = dict(tok, content="<|endoftext|>")
    pad = "!" if pad_variant == "sd2" else "<|endoftext|>"
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": tok, "eos_token": eos, "pad_token": pad, "unk_token": eos}, f, indent=2)
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"add_prefix_space": False, "bos_token": tok, "do_lower_case": True, "eos_token": eos,
                   "errors": "replace", "model_max_length": 77, "pad_token": pad,
                   "tokenizer_class": "CLIPTokenizer", "unk_token": eos}, f, indent=2)


def golden_ids(d):
    tok = CLIPTokenizer.from_pretrained(d)
    # Exactly how diffusers' pipelines call it.
    return [tok(p, padding="max_length", max_length=tok.model_max_length, truncation=True).input_ids
            for p in PROMPTS]


def dir_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def make_fixtures():
    merges = clip_merges()
    golden = {"prompts": PROMPTS, "ids": {}}
    for variant in ("sd2", "sd15"):
        d = os.path.join(OUT, "small_" + variant)
        write_tokenizer(d, merges[:SMALL_MERGES], variant)
        golden["ids"]["small_" + variant] = golden_ids(d)
    full = os.path.join(OUT, "clip_full")
    write_tokenizer(full, merges, "sd2")
    golden["ids"]["full_sd2"] = golden_ids(full)
    sd15 = os.path.join(OUT, "clip_full_sd15")
    tmp = sd15 + "_tmp"
    shutil.copytree(full, tmp, dirs_exist_ok=True)
    write_tokenizer(tmp, merges, "sd15", with_vocab=False)
    golden["ids"]["full_sd15"] = golden_ids(tmp)
    write_tokenizer(sd15, merges, "sd15", with_vocab=False)  # configs only; vocab from clip_full
    shutil.rmtree(tmp)
    if dir_bytes(full) > FULL_LIMIT_BYTES:
        shutil.rmtree(full)
        print("clip_full is over the size limit; tests will skip the full-vocabulary checks")
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(PROMPTS)} prompts, variants {sorted(golden['ids'])}")


# ---- Unicode tables ------------------------------------------------------------------------
LETTER, NUMBER, SPACE = 1, 2, 3


def all_chars():
    return (chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)


def probe_classes():
    """Class of every code point as the split regex and the \\s+ normalizer see it."""
    split = pre_tokenizers.Split(Regex(TOKEN_SPLIT), behavior="removed", invert=True)
    ws = normalizers.Replace(Regex(r"\s+"), " ")
    cls = {}
    for c in all_chars():
        pieces = [p for p, _ in split.pre_tokenize_str("a" + c)]
        if pieces == ["a" + c]:
            k = LETTER
        elif pieces == ["a"]:
            k = SPACE
        else:
            k = NUMBER if len(split.pre_tokenize_str(c + c)) == 2 else 0
        is_ws = ws.normalize_str("a" + c + "b") == "a b"
        if is_ws != (k == SPACE):
            sys.exit(f"U+{ord(c):04X}: split and normalizer disagree on whitespace")
        if k:
            cls[ord(c)] = k
    return cls


def probe_lowercase():
    low = normalizers.Lowercase()
    single, multi = {}, {}
    for c in all_chars():
        l = low.normalize_str(c)
        if l != c:
            if len(l) == 1:
                single[ord(c)] = ord(l)
            else:
                multi[ord(c)] = [ord(x) for x in l]
    return single, multi


def tokenizers_knows_ccc(c, ccc):
    """Whether tokenizers' (older) Unicode data gives c a non-zero combining class."""
    nfc = normalizers.NFC()
    if ccc > 202:  # a known class reorders c after U+0328 (class 202)
        return nfc.normalize_str(c + "\u0328") == "\u0328" + c
    # A known class below 230 does not block base + U+0301 from composing; the base must not
    # compose with c itself.
    base = next(b for b in "zgkcnsmpwy" if unicodedata.normalize("NFC", b + c) == b + c)
    return nfc.normalize_str(base + c + "\u0301") == unicodedata.normalize("NFC", base + "\u0301") + c


def nfc_tables():
    ccc, decomp = {}, {}
    nfc = normalizers.NFC()
    for c in all_chars():
        cp = ord(c)
        k = unicodedata.combining(c)
        if k and tokenizers_knows_ccc(c, k):
            ccc[cp] = k
        d = unicodedata.decomposition(c)
        if d and not d.startswith("<"):
            parts = [int(x, 16) for x in d.split()]
            pair = "".join(map(chr, parts))
            if nfc.normalize_str(c) == c and nfc.normalize_str(pair) == pair:
                continue  # newer than tokenizers' Unicode data
            # A pair is a primary composite unless excluded: NFC of its decomposition gives it back.
            composes = len(parts) == 2 and nfc.normalize_str(pair) == c
            decomp[cp] = (parts[0], parts[1] if len(parts) == 2 else 0, int(composes))
    return ccc, decomp


HANGUL_S, HANGUL_L, HANGUL_V, HANGUL_T, HANGUL_N = 0xAC00, 0x1100, 0x1161, 0x11A7, 11172


def model_nfc(s, ccc, decomp, comp):
    """The algorithm runtime/tokenizer/tokenizer_unicode.cpp implements, on the same tables."""
    def dec(cp, out):
        if HANGUL_S <= cp < HANGUL_S + HANGUL_N:
            i = cp - HANGUL_S
            out += [HANGUL_L + i // 588, HANGUL_V + (i % 588) // 28] + ([HANGUL_T + i % 28] if i % 28 else [])
        elif cp in decomp:
            a, b, _ = decomp[cp]
            dec(a, out)
            if b:
                dec(b, out)
        else:
            out.append(cp)
    cps = []
    for c in s:
        dec(ord(c), cps)
    for i in range(1, len(cps)):  # canonical ordering: stable insertion sort of non-starter runs
        j = i
        while j > 0 and ccc.get(cps[j], 0) and ccc.get(cps[j - 1], 0) > ccc.get(cps[j], 0):
            cps[j - 1], cps[j] = cps[j], cps[j - 1]
            j -= 1
    out, starter, last_ccc = [], -1, 0
    for cp in cps:
        k = ccc.get(cp, 0)
        if starter >= 0 and (len(out) - 1 == starter or last_ccc < k):
            a = out[starter]
            if HANGUL_L <= a < HANGUL_L + 19 and HANGUL_V <= cp < HANGUL_V + 21 and len(out) - 1 == starter:
                out[starter] = HANGUL_S + ((a - HANGUL_L) * 21 + cp - HANGUL_V) * 28
                continue
            if HANGUL_S <= a < HANGUL_S + HANGUL_N and (a - HANGUL_S) % 28 == 0 and \
                    HANGUL_T < cp < HANGUL_T + 28 and len(out) - 1 == starter:
                out[starter] = a + cp - HANGUL_T
                continue
            if (a, cp) in comp:
                out[starter] = comp[(a, cp)]
                continue
        if k == 0:
            starter = len(out)
        last_ccc = k
        out.append(cp)
    return "".join(map(chr, out))


def check_nfc(ccc, decomp):
    """Our algorithm on our tables must agree with the NFC that tokenizers runs."""
    nfc = normalizers.NFC()
    comp = {(a, b): cp for cp, (a, b, ok) in decomp.items() if ok}
    bad = 0
    for c in all_chars():
        for s in (c, unicodedata.normalize("NFD", c), "a" + c + "\u0301", c + "\u0328\u0301",
                  "\u1100" + c, c + "\u11a8"):
            if nfc.normalize_str(s) != model_nfc(s, ccc, decomp, comp):
                bad += 1
                if bad < 5:
                    print("NFC mismatch", [hex(ord(x)) for x in s])
    return bad


def ranges(mapping):
    """[(lo, hi, value)] runs of consecutive code points with the same value."""
    out = []
    for cp in sorted(mapping):
        v = mapping[cp]
        if out and out[-1][1] == cp - 1 and out[-1][2] == v:
            out[-1][1] = cp
        else:
            out.append([cp, cp, v])
    return out


def delta_runs(single):
    """[(lo, hi, delta, stride)]: cp -> cp + delta for lo, lo+stride, ... hi."""
    out = []
    for cp in sorted(single):
        d = single[cp] - cp
        if out and out[-1][2] == d and (cp - out[-1][1]) == out[-1][3]:
            out[-1][1] = cp
        elif out and out[-1][0] == out[-1][1] and out[-1][2] == d and cp - out[-1][0] in (1, 2):
            out[-1][1], out[-1][3] = cp, cp - out[-1][0]
        else:
            out.append([cp, cp, d, 1])
    # The C++ side finds a run by binary search on `lo`, so runs must not interleave.
    if any(b[0] <= a[1] for a, b in zip(out, out[1:])):
        sys.exit("lower-case runs overlap; the table needs another encoding")
    return out


def emit(f, name, ctype, rows, per_line):
    f.write(f"constexpr {ctype} {name}[] = {{\n")
    for i in range(0, len(rows), per_line):
        f.write("    " + " ".join("{" + ",".join(r) + "}," for r in rows[i:i + per_line]) + "\n")
    f.write("};\n\n")


def make_tables():
    ccc, decomp = nfc_tables()
    bad = check_nfc(ccc, decomp)
    if bad:
        sys.exit(f"our NFC model and tokenizers disagree on {bad} strings")
    cls = probe_classes()
    single, multi = probe_lowercase()
    with open(INC, "w") as f:
        f.write(f"// Generated by tools/reference/make_tokenizer_fixtures.py from tokenizers "
                f"(classes, lower case) and Python {sys.version_info.major}.{sys.version_info.minor}'s "
                f"unicodedata {unicodedata.unidata_version} (NFC). Do not edit.\n"
                "// Included by runtime/tokenizer/tokenizer_unicode.cpp only.\n\n")
        emit(f, "kClassRanges", "ClassRange", [(hex(a), hex(b), str(v)) for a, b, v in ranges(cls)], 6)
        emit(f, "kLowerRuns", "LowerRun",
             [(hex(a), hex(b), str(d), str(s)) for a, b, d, s in delta_runs(single)], 5)
        emit(f, "kLowerMulti", "LowerMulti",
             [(hex(cp), *[hex(x) for x in v] + ["0"] * (3 - len(v))) for cp, v in sorted(multi.items())], 4)
        emit(f, "kCombiningRanges", "ClassRange", [(hex(a), hex(b), str(v)) for a, b, v in ranges(ccc)], 6)
        emit(f, "kDecompositions", "Decomposition",
             [(hex(cp), hex(a), hex(b), str(c)) for cp, (a, b, c) in sorted(decomp.items())], 5)
    print(f"wrote {INC}: {len(ranges(cls))} class ranges, {len(delta_runs(single))} lower runs, "
          f"{len(multi)} multi, {len(decomp)} decompositions")


if __name__ == "__main__":
    make_fixtures()
    if "--no-tables" not in sys.argv:
        make_tables()
