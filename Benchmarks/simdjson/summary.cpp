// summary.cpp — what simdjson (3.0.1) costs to extract the per-line summary fields that
// completion-tui's SummaryScanner extracts from a JSON Lines log of OpenAI-style completion objects.
//
//   summary [--dom] [--quiet] FILE [THREADS]
//
// The file is mmapped and split into THREADS parts (default 2) at line boundaries, one std::thread each,
// one parser per thread. Per line it reads, in document order (iterating the object's fields and
// matching keys by their raw bytes, so that a repeated key is noticed, as the real scanner must):
//   top level: id (raw position/length, hashed), object, created (integer), model, system_fingerprint
//              (systemFingerprint too), choices, usage;
//   each choice: finish_reason / finishReason (string or null), whether it has delta or message
//              (and for the first choice's delta, whether it has role / tool_calls);
//   usage:     prompt_tokens, completion_tokens, total_tokens (and the camelCase spellings).
// Like the scanner, a line is handed "to the decoder" (counted as fallback, not summarised) when it has a
// repeated or escaped meaningful key, or a key that marks another body shape (error, data, custom_id,
// Anthropic / Responses / Gemini / Converse keys).
//
// Default mode is simdjson ON-DEMAND (parser.iterate on a padded_string_view into the mapping), which does
// not validate values it skips. --dom uses the DOM API (parser.parse per line), which validates the whole
// line. Per-thread sums (records, tokens, per-model / per-fingerprint / per-finish-reason counts) are
// printed at the end.

#include "simdjson.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace simdjson;

namespace {

constexpr int64_t kNoCount = INT64_MIN;

struct Counts {
  uint64_t records = 0;
  int64_t prompt = 0, completion = 0, total = 0;
};

// A small open-addressing map from byte strings to Counts (a handful of models / fingerprints / reasons).
class StrMap {
 public:
  StrMap() : slots_(64) {}
  Counts &get(std::string_view k) {
    uint64_t h = hash(k);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot &s = slots_[i];
      if (!s.used) {
        if ((n_ + 1) * 2 > slots_.size()) {
          grow();
          return get(k);
        }
        s.used = true;
        s.h = h;
        s.key.assign(k.data(), k.size());
        ++n_;
        return s.c;
      }
      if (s.h == h && s.key.size() == k.size() && std::memcmp(s.key.data(), k.data(), k.size()) == 0) return s.c;
    }
  }
  template <class F> void each(F f) const {
    for (const Slot &s : slots_)
      if (s.used) f(s.key, s.c);
  }

 private:
  struct Slot {
    std::string key;
    uint64_t h = 0;
    Counts c;
    bool used = false;
  };
  static uint64_t hash(std::string_view k) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : k) h = (h ^ c) * 0x100000001b3ull;
    return h ^ (h >> 29);
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.size() * 2);
    n_ = 0;
    for (Slot &s : old)
      if (s.used) get(s.key) = s.c;
  }
  std::vector<Slot> slots_;
  size_t n_ = 0;
};

struct Stats {
  uint64_t lines = 0, blank = 0, ok = 0;
  uint64_t fallback_shape = 0, fallback_dup = 0, fallback_escaped_key = 0;
  uint64_t errors = 0;
  uint64_t choices = 0, choice_objects = 0, delta_choices = 0, message_choices = 0, null_reasons = 0, chat_first_delta = 0;
  int64_t prompt = 0, completion = 0, total = 0;
  uint64_t created_int_sum = 0, created_other = 0;
  uint64_t id_hash_xor = 0, id_len_sum = 0, id_escaped = 0;
  uint64_t padded_copies = 0;
  StrMap models, fingerprints, reasons, objects;
  std::vector<std::pair<size_t, std::string>> first_errors;  // (byte offset of line, error)
};

enum class Outcome { ok, shape, dup, escaped_key, error };

thread_local error_code last_error = SUCCESS;  // why the last rejected line was rejected

// The scanner's id hash (SummaryScanner.hashID), on the raw id bytes.
inline uint64_t hash_id(const char *p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  unsigned shift = 0;
  for (; i < n; ++i, shift += 8) tail |= uint64_t((unsigned char)p[i]) << shift;
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 29);
}

// Raw key comparison: k points at the key's first content byte, n is its raw length.
#define KEY_IS(lit) (n == sizeof(lit) - 1 && std::memcmp(k, lit, sizeof(lit) - 1) == 0)

// Keys that mark a body the scanner leaves to the full decoder.
inline bool shape_key(const char *k, size_t n) {
  switch (n) {
    case 4: return KEY_IS("data") || KEY_IS("type");
    case 5: return KEY_IS("error");
    case 6: return KEY_IS("output");
    case 7: return KEY_IS("message");
    case 8: return KEY_IS("metadata");
    case 9: return KEY_IS("custom_id");
    case 10: return KEY_IS("candidates") || KEY_IS("responseId");
    case 11: return KEY_IS("messageStop");
    case 12: return KEY_IS("messageStart");
    case 13: return KEY_IS("usageMetadata");
    case 16: return KEY_IS("contentBlockStop");
    case 17: return KEY_IS("contentBlockStart") || KEY_IS("contentBlockDelta");
    case 19: return KEY_IS("validationException") || KEY_IS("throttlingException");
    case 23: return KEY_IS("internalServerException");
    case 25: return KEY_IS("modelStreamErrorException");
    case 27: return KEY_IS("serviceUnavailableException");
    default: return false;
  }
}

// A count given as a string, as RecordDecoder.count would mostly read it (plain non-negative integers).
inline int64_t count_from_text(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return kNoCount;
  return v;
}

// Per-line summary, filled in by either front end, then added to the thread's Stats.
struct Line {
  bool has_model = false, has_fp = false;
  std::string_view model, fingerprint;  // valid until the next parse
  int64_t prompt = kNoCount, completion = kNoCount, total = kNoCount;
};

inline void add_reason(Stats &st, Line &ln, std::string_view r) {
  (void)ln;
  st.reasons.get(r).records++;
}

inline void commit(Stats &st, Line &ln) {
  st.ok++;
  int64_t p = ln.prompt == kNoCount ? 0 : ln.prompt;
  int64_t c = ln.completion == kNoCount ? 0 : ln.completion;
  int64_t t = ln.total == kNoCount ? 0 : ln.total;
  st.prompt += p;
  st.completion += c;
  st.total += t;
  Counts &m = st.models.get(ln.has_model ? ln.model : std::string_view("(none)"));
  m.records++;
  m.prompt += p;
  m.completion += c;
  m.total += t;
  Counts &f = st.fingerprints.get(ln.has_fp ? ln.fingerprint : std::string_view("(none)"));
  f.records++;
  f.prompt += p;
  f.completion += c;
  f.total += t;
}

// ---------------------------------------------------------------------------------------------------------
// On-demand front end.

#define OD(expr)                         \
  do {                                   \
    error_code e_ = (expr);              \
    if (e_ != SUCCESS) {                 \
      last_error = e_;                   \
      return Outcome::error;             \
    }                                    \
  } while (0)

// The raw key of a field: pointer and length up to the closing quote; false when it has an escape.
inline bool raw_key(ondemand::field &f, const char *&k, size_t &n) {
  k = f.key().raw();
  const char *q = k;
  while (*q != '"' && *q != '\\') ++q;  // keys are short; the closing quote is within the line
  n = size_t(q - k);
  return *q == '"';
}

inline Outcome od_count(ondemand::value v, int64_t &out) {
  ondemand::json_type t;
  OD(v.type().get(t));
  if (t == ondemand::json_type::number) {
    int64_t i;
    if (v.get_int64().get(i) == SUCCESS) {
      out = i;
      return Outcome::ok;
    }
    double d;
    OD(v.get_double().get(d));
    out = (d == std::floor(d) && std::fabs(d) < 9e18) ? int64_t(d) : kNoCount;
    return Outcome::ok;
  }
  if (t == ondemand::json_type::string) {
    std::string_view s;
    OD(v.get_string().get(s));
    out = count_from_text(s);
    return Outcome::ok;
  }
  out = kNoCount;  // null, booleans, containers: skipped by the caller's iteration
  return Outcome::ok;
}

inline Outcome od_usage(ondemand::object obj, Line &ln) {
  uint32_t seen = 0;
  int64_t v[6] = {kNoCount, kNoCount, kNoCount, kNoCount, kNoCount, kNoCount};
  for (auto fr : obj) {
    ondemand::field f;
    OD(std::move(fr).get(f));
    const char *k;
    size_t n;
    if (!raw_key(f, k, n)) return Outcome::escaped_key;
    int slot = -1;
    switch (n) {
      case 13: if (KEY_IS("prompt_tokens")) slot = 0; break;
      case 12: if (KEY_IS("promptTokens")) slot = 1; else if (KEY_IS("total_tokens")) slot = 4; break;
      case 17: if (KEY_IS("completion_tokens")) slot = 2; break;
      case 16: if (KEY_IS("completionTokens")) slot = 3; break;
      case 11: if (KEY_IS("totalTokens")) slot = 5; break;
      default: break;
    }
    if (slot >= 0) {
      uint32_t bit = 1u << slot;
      if (seen & bit) return Outcome::dup;
      seen |= bit;
      Outcome o = od_count(f.value(), v[slot]);
      if (o != Outcome::ok) return o;
    }
  }
  ln.prompt = (seen & 1) ? v[0] : v[1];
  ln.completion = (seen & 4) ? v[2] : v[3];
  ln.total = (seen & 16) ? v[4] : v[5];
  return Outcome::ok;
}

inline Outcome od_choice(ondemand::object obj, bool first, Stats &st, Line &ln) {
  uint32_t seen = 0;
  // 0 absent, 1 null, 2 string, 3 other
  int snake_state = 0, camel_state = 0;
  std::string_view snake, camel;
  bool has_delta = false, has_message = false;
  for (auto fr : obj) {
    ondemand::field f;
    OD(std::move(fr).get(f));
    const char *k;
    size_t n;
    if (!raw_key(f, k, n)) return Outcome::escaped_key;
    if (KEY_IS("finish_reason") || KEY_IS("finishReason")) {
      bool is_snake = n == 13;
      uint32_t bit = is_snake ? 1 : 2;
      if (seen & bit) return Outcome::dup;
      seen |= bit;
      ondemand::value v = f.value();
      ondemand::json_type t;
      OD(v.type().get(t));
      int state = 3;
      std::string_view s;
      if (t == ondemand::json_type::string) {
        OD(v.get_string().get(s));
        state = 2;
      } else if (t == ondemand::json_type::null) {
        bool isnull;
        OD(v.is_null().get(isnull));
        if (!isnull) return Outcome::error;
        state = 1;
      }
      if (is_snake) { snake_state = state; snake = s; } else { camel_state = state; camel = s; }
    } else if (KEY_IS("delta")) {
      if (seen & 4) return Outcome::dup;
      seen |= 4;
      has_delta = true;
      if (first) {
        ondemand::value v = f.value();
        ondemand::json_type t;
        OD(v.type().get(t));
        if (t == ondemand::json_type::object) {
          ondemand::object d;
          OD(v.get_object().get(d));
          for (auto dr : d) {
            ondemand::field df;
            OD(std::move(dr).get(df));
            const char *dk;
            size_t dn;
            raw_key(df, dk, dn);
            if ((dn == 4 && std::memcmp(dk, "role", 4) == 0) || (dn == 10 && std::memcmp(dk, "tool_calls", 10) == 0))
              st.chat_first_delta++;
          }
        }
      }
    } else if (KEY_IS("message")) {
      if (seen & 8) return Outcome::dup;
      seen |= 8;
      has_message = true;
    }
  }
  int state = snake_state ? snake_state : camel_state;
  std::string_view r = snake_state ? snake : camel;
  if (state == 2) {
    add_reason(st, ln, r);
  } else {
    st.null_reasons++;
  }
  st.delta_choices += has_delta;
  st.message_choices += has_message;
  return Outcome::ok;
}

Outcome od_line(ondemand::parser &parser, const char *p, size_t len, size_t capacity, Stats &st) {
  ondemand::document doc;
  OD(parser.iterate(padded_string_view(p, len, capacity)).get(doc));
  ondemand::object top;
  OD(doc.get_object().get(top));
  Line ln;
  uint32_t seen = 0;
  uint64_t choices = 0, choice_objects = 0;
  uint64_t id_hash = 0, id_len = 0, created = 0;
  bool id_escaped = false, created_other = false;
  for (auto fr : top) {
    ondemand::field f;
    OD(std::move(fr).get(f));
    const char *k;
    size_t n;
    if (!raw_key(f, k, n)) return Outcome::escaped_key;
    uint32_t bit = 0;
    switch (n) {
      case 2:
        if (KEY_IS("id")) {
          bit = 1;
          ondemand::value v = f.value();
          std::string_view tok = v.raw_json_token();  // up to the next structural character
          while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\n' || tok.back() == '\r'))
            tok.remove_suffix(1);
          if (!tok.empty() && tok[0] == '"') {
            // Raw position/length of the string's content; an escaped id is decoded (and so validated).
            const char *s = tok.data() + 1;
            size_t sl = tok.size() >= 2 ? tok.size() - 2 : 0;
            if (std::memchr(s, '\\', sl)) {
              std::string_view u;
              OD(v.get_string().get(u));
              id_escaped = true;
              id_hash = hash_id(u.data(), u.size());
              id_len = u.size();
            } else {
              ondemand::raw_json_string rs;
              OD(v.get_raw_json_string().get(rs));
              id_hash = hash_id(s, sl);
              id_len = sl;
            }
          } else {
            ondemand::json_type t;
            OD(v.type().get(t));
            if (t == ondemand::json_type::number) {
              double d;
              OD(v.get_double().get(d));
              id_hash = hash_id(tok.data(), tok.size());
              id_len = tok.size();
            }
          }
        }
        break;
      case 6:
        if (KEY_IS("object")) {
          bit = 2;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::string) {
            std::string_view s;
            OD(v.get_string().get(s));
            st.objects.get(s).records++;
          }
        } else if (shape_key(k, n)) {
          return Outcome::shape;
        }
        break;
      case 7:
        if (KEY_IS("created")) {
          bit = 4;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::number) {
            uint64_t u;
            if (v.get_uint64().get(u) == SUCCESS && u < 1000000000000ull) {
              created = u;
            } else {
              double d;
              OD(v.get_double().get(d));
              created_other = true;
            }
          } else {
            created_other = true;  // strings would go through Timestamp(parsing:) in the real tool
          }
        } else if (KEY_IS("choices")) {
          bit = 64;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::array) {
            ondemand::array arr;
            OD(v.get_array().get(arr));
            for (auto er : arr) {
              ondemand::value e;
              OD(std::move(er).get(e));
              ondemand::json_type et;
              OD(e.type().get(et));
              if (et == ondemand::json_type::object) {
                ondemand::object co;
                OD(e.get_object().get(co));
                Outcome o = od_choice(co, choices == 0, st, ln);
                if (o != Outcome::ok) return o;
                choice_objects++;
              }
              choices++;
            }
          }
        } else if (shape_key(k, n)) {
          return Outcome::shape;
        }
        break;
      case 5:
        if (KEY_IS("model")) {
          bit = 8;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::string) {
            OD(v.get_string().get(ln.model));
            ln.has_model = true;
          }
        } else if (KEY_IS("usage")) {
          bit = 128;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::object) {
            ondemand::object u;
            OD(v.get_object().get(u));
            Outcome o = od_usage(u, ln);
            if (o != Outcome::ok) return o;
          }
        } else if (shape_key(k, n)) {
          return Outcome::shape;
        }
        break;
      case 18:
      case 17:
        if (KEY_IS("system_fingerprint") || KEY_IS("systemFingerprint")) {
          bool snake = n == 18;
          bit = snake ? 16 : 32;
          ondemand::value v = f.value();
          ondemand::json_type t;
          OD(v.type().get(t));
          if (t == ondemand::json_type::string) {
            std::string_view s;
            OD(v.get_string().get(s));
            // snake_case wins; an empty fingerprint is null
            if (!s.empty() && (snake || !(seen & 16))) {
              ln.fingerprint = s;
              ln.has_fp = true;
            } else if (snake) {
              ln.has_fp = false;
            }
          } else if (snake) {
            ln.has_fp = false;
          }
        } else if (shape_key(k, n)) {
          return Outcome::shape;
        }
        break;
      default:
        if (shape_key(k, n)) return Outcome::shape;
        break;
    }
    if (bit) {
      if (seen & bit) return Outcome::dup;
      seen |= bit;
    }
  }
  // Nothing may follow the object.
  if (doc.current_location().error() != OUT_OF_BOUNDS) {
    last_error = TRAILING_CONTENT;
    return Outcome::error;
  }
  st.choices += choices;
  st.choice_objects += choice_objects;
  st.id_hash_xor ^= id_hash;
  st.id_len_sum += id_len;
  st.id_escaped += id_escaped;
  st.created_int_sum += created;
  st.created_other += created_other;
  commit(st, ln);
  return Outcome::ok;
}

// ---------------------------------------------------------------------------------------------------------
// DOM front end (keys arrive unescaped: an escaped key is compared by its decoded text).

#define DM(expr)                         \
  do {                                   \
    error_code e_ = (expr);              \
    if (e_ != SUCCESS) {                 \
      last_error = e_;                   \
      return Outcome::error;             \
    }                                    \
  } while (0)

inline int64_t dom_count(dom::element v) {
  switch (v.type()) {
    case dom::element_type::INT64: return int64_t(v.get_int64());
    case dom::element_type::UINT64: {
      uint64_t u = v.get_uint64();
      return u <= uint64_t(INT64_MAX) ? int64_t(u) : kNoCount;
    }
    case dom::element_type::DOUBLE: {
      double d = v.get_double();
      return (d == std::floor(d) && std::fabs(d) < 9e18) ? int64_t(d) : kNoCount;
    }
    case dom::element_type::STRING: return count_from_text(std::string_view(v.get_string()));
    default: return kNoCount;
  }
}

Outcome dom_line(dom::parser &parser, const char *p, size_t len, bool padded, Stats &st) {
  dom::element doc;
  DM(parser.parse(p, len, !padded).get(doc));
  dom::object top;
  DM(doc.get_object().get(top));
  Line ln;
  uint32_t seen = 0;
  uint64_t choices = 0, choice_objects = 0;
  uint64_t id_hash = 0, id_len = 0, created = 0;
  bool created_other = false;
  for (dom::key_value_pair kv : top) {
    const char *k = kv.key.data();
    size_t n = kv.key.size();
    dom::element v = kv.value;
    uint32_t bit = 0;
    if (KEY_IS("id")) {
      bit = 1;
      if (v.type() == dom::element_type::STRING) {
        std::string_view s = v.get_string();
        id_hash = hash_id(s.data(), s.size());
        id_len = s.size();
      }
    } else if (KEY_IS("object")) {
      bit = 2;
      if (v.type() == dom::element_type::STRING) st.objects.get(std::string_view(v.get_string())).records++;
    } else if (KEY_IS("created")) {
      bit = 4;
      dom::element_type t = v.type();
      if (t == dom::element_type::INT64 && int64_t(v.get_int64()) >= 0 && int64_t(v.get_int64()) < 1000000000000ll)
        created = uint64_t(int64_t(v.get_int64()));
      else if (t == dom::element_type::UINT64 && uint64_t(v.get_uint64()) < 1000000000000ull)
        created = uint64_t(v.get_uint64());
      else
        created_other = true;
    } else if (KEY_IS("model")) {
      bit = 8;
      if (v.type() == dom::element_type::STRING) {
        ln.model = v.get_string();
        ln.has_model = true;
      }
    } else if (KEY_IS("system_fingerprint") || KEY_IS("systemFingerprint")) {
      bool snake = n == 18;
      bit = snake ? 16 : 32;
      if (v.type() == dom::element_type::STRING) {
        std::string_view s = v.get_string();
        if (!s.empty() && (snake || !(seen & 16))) {
          ln.fingerprint = s;
          ln.has_fp = true;
        } else if (snake) {
          ln.has_fp = false;
        }
      } else if (snake) {
        ln.has_fp = false;
      }
    } else if (KEY_IS("choices")) {
      bit = 64;
      if (v.type() == dom::element_type::ARRAY) {
        for (dom::element e : dom::array(v)) {
          if (e.type() == dom::element_type::OBJECT) {
            uint32_t cseen = 0;
            int snake_state = 0, camel_state = 0;
            std::string_view snake_r, camel_r;
            bool has_delta = false, has_message = false;
            for (dom::key_value_pair ckv : dom::object(e)) {
              const char *ck = ckv.key.data();
              size_t cn = ckv.key.size();
              {
                const char *k = ck;
                size_t n = cn;
                if (KEY_IS("finish_reason") || KEY_IS("finishReason")) {
                  bool is_snake = n == 13;
                  uint32_t b = is_snake ? 1 : 2;
                  if (cseen & b) return Outcome::dup;
                  cseen |= b;
                  int state = 3;
                  std::string_view s;
                  dom::element_type t = ckv.value.type();
                  if (t == dom::element_type::STRING) {
                    s = ckv.value.get_string();
                    state = 2;
                  } else if (t == dom::element_type::NULL_VALUE) {
                    state = 1;
                  }
                  if (is_snake) { snake_state = state; snake_r = s; } else { camel_state = state; camel_r = s; }
                } else if (KEY_IS("delta")) {
                  if (cseen & 4) return Outcome::dup;
                  cseen |= 4;
                  has_delta = true;
                  if (choices == 0 && ckv.value.type() == dom::element_type::OBJECT) {
                    for (dom::key_value_pair dkv : dom::object(ckv.value))
                      if (dkv.key == "role" || dkv.key == "tool_calls") st.chat_first_delta++;
                  }
                } else if (KEY_IS("message")) {
                  if (cseen & 8) return Outcome::dup;
                  cseen |= 8;
                  has_message = true;
                }
              }
            }
            int state = snake_state ? snake_state : camel_state;
            if (state == 2) add_reason(st, ln, snake_state ? snake_r : camel_r);
            else st.null_reasons++;
            st.delta_choices += has_delta;
            st.message_choices += has_message;
            choice_objects++;
          }
          choices++;
        }
      }
    } else if (KEY_IS("usage")) {
      bit = 128;
      if (v.type() == dom::element_type::OBJECT) {
        uint32_t useen = 0;
        int64_t c[6] = {kNoCount, kNoCount, kNoCount, kNoCount, kNoCount, kNoCount};
        for (dom::key_value_pair ukv : dom::object(v)) {
          const char *k = ukv.key.data();
          size_t n = ukv.key.size();
          int slot = -1;
          if (KEY_IS("prompt_tokens")) slot = 0;
          else if (KEY_IS("promptTokens")) slot = 1;
          else if (KEY_IS("completion_tokens")) slot = 2;
          else if (KEY_IS("completionTokens")) slot = 3;
          else if (KEY_IS("total_tokens")) slot = 4;
          else if (KEY_IS("totalTokens")) slot = 5;
          if (slot >= 0) {
            uint32_t b = 1u << slot;
            if (useen & b) return Outcome::dup;
            useen |= b;
            c[slot] = dom_count(ukv.value);
          }
        }
        ln.prompt = (useen & 1) ? c[0] : c[1];
        ln.completion = (useen & 4) ? c[2] : c[3];
        ln.total = (useen & 16) ? c[4] : c[5];
      }
    } else if (shape_key(k, n)) {
      return Outcome::shape;
    }
    if (bit) {
      if (seen & bit) return Outcome::dup;
      seen |= bit;
    }
  }
  st.choices += choices;
  st.choice_objects += choice_objects;
  st.id_hash_xor ^= id_hash;
  st.id_len_sum += id_len;
  st.created_int_sum += created;
  st.created_other += created_other;
  commit(st, ln);
  return Outcome::ok;
}

// ---------------------------------------------------------------------------------------------------------

inline void tally(Stats &st, Outcome o, size_t offset) {
  switch (o) {
    case Outcome::ok: break;
    case Outcome::shape: st.fallback_shape++; break;
    case Outcome::dup: st.fallback_dup++; break;
    case Outcome::escaped_key: st.fallback_escaped_key++; break;
    case Outcome::error:
      st.errors++;
      if (st.first_errors.size() < 5) st.first_errors.emplace_back(offset, error_message(last_error));
      break;
  }
}

void run_part(const char *base, size_t file_size, size_t begin, size_t end, bool dom_mode, Stats &st) {
  ondemand::parser od;
  dom::parser dp;
  std::vector<char> pad;  // for lines too close to the end of the mapping
  size_t pos = begin;
  while (pos < end) {
    const char *nl = static_cast<const char *>(std::memchr(base + pos, '\n', end - pos));
    size_t line_end = nl ? size_t(nl - base) : end;
    size_t len = line_end - pos;
    const char *p = base + pos;
    st.lines++;
    // blank lines (only white space) are skipped, as the tool skips them
    size_t j = 0;
    while (j < len && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r')) ++j;
    if (j == len) {
      st.blank++;
      st.lines--;
    } else {
      size_t capacity = file_size - pos;  // readable bytes from here to the end of the file
      bool padded = capacity >= len + SIMDJSON_PADDING;
      const char *q = p;
      if (!padded) {
        pad.assign(len + SIMDJSON_PADDING, ' ');
        std::memcpy(pad.data(), p, len);
        q = pad.data();
        capacity = pad.size();
        st.padded_copies++;
      }
      Outcome o = dom_mode ? dom_line(dp, q, len, true, st) : od_line(od, q, len, capacity, st);
      tally(st, o, pos);
    }
    pos = line_end + 1;
  }
}

void print_map(const char *title, const std::vector<Stats> &parts, StrMap Stats::*m, bool tokens) {
  std::map<std::string, Counts> merged;
  for (const Stats &s : parts)
    (s.*m).each([&](const std::string &k, const Counts &c) {
      Counts &d = merged[k];
      d.records += c.records;
      d.prompt += c.prompt;
      d.completion += c.completion;
      d.total += c.total;
    });
  std::vector<std::pair<std::string, Counts>> rows(merged.begin(), merged.end());
  std::sort(rows.begin(), rows.end(), [](auto &a, auto &b) { return a.second.records > b.second.records; });
  std::printf("%s\n", title);
  for (auto &r : rows) {
    if (tokens)
      std::printf("  %-34s %10" PRIu64 " %12" PRId64 " %12" PRId64 " %12" PRId64 "\n", r.first.c_str(), r.second.records,
                  r.second.prompt, r.second.completion, r.second.total);
    else
      std::printf("  %-34s %10" PRIu64 "\n", r.first.c_str(), r.second.records);
  }
}

}  // namespace

int main(int argc, char **argv) {
  bool dom_mode = false, quiet = false;
  const char *path = nullptr;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dom") dom_mode = true;
    else if (a == "--ondemand") dom_mode = false;
    else if (a == "--quiet") quiet = true;
    else if (!path) path = argv[i];
    else threads = std::max(1, std::atoi(argv[i]));
  }
  if (!path) {
    std::fprintf(stderr, "usage: %s [--dom] [--quiet] FILE [THREADS]\n", argv[0]);
    return 2;
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) { std::perror(path); return 2; }
  struct stat sb;
  fstat(fd, &sb);
  size_t size = size_t(sb.st_size);
  const char *base = size ? static_cast<const char *>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0)) : "";
  if (base == MAP_FAILED) { std::perror("mmap"); return 2; }
  if (size) madvise(const_cast<char *>(base), size, MADV_SEQUENTIAL);

  auto t0 = std::chrono::steady_clock::now();
  // Split at line boundaries.
  std::vector<size_t> cuts{0};
  for (int i = 1; i < threads; ++i) {
    size_t c = std::max(cuts.back(), size * size_t(i) / size_t(threads));
    const void *nl = c < size ? std::memchr(base + c, '\n', size - c) : nullptr;
    cuts.push_back(nl ? size_t(static_cast<const char *>(nl) - base) + 1 : size);
  }
  cuts.push_back(size);
  std::vector<Stats> parts(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back(run_part, base, size, cuts[i], cuts[i + 1], dom_mode, std::ref(parts[i]));
  for (auto &t : pool) t.join();
  auto t1 = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(t1 - t0).count();

  Stats tot;
  for (const Stats &s : parts) {
    tot.lines += s.lines; tot.blank += s.blank; tot.ok += s.ok;
    tot.fallback_shape += s.fallback_shape; tot.fallback_dup += s.fallback_dup;
    tot.fallback_escaped_key += s.fallback_escaped_key; tot.errors += s.errors;
    tot.choices += s.choices; tot.choice_objects += s.choice_objects;
    tot.delta_choices += s.delta_choices; tot.message_choices += s.message_choices;
    tot.null_reasons += s.null_reasons; tot.chat_first_delta += s.chat_first_delta;
    tot.prompt += s.prompt; tot.completion += s.completion; tot.total += s.total;
    tot.created_int_sum += s.created_int_sum; tot.created_other += s.created_other;
    tot.id_hash_xor ^= s.id_hash_xor; tot.id_len_sum += s.id_len_sum; tot.id_escaped += s.id_escaped;
    tot.padded_copies += s.padded_copies;
  }
  std::printf("mode %s, threads %d, %.3f s, %.0f MB/s\n", dom_mode ? "dom" : "on-demand", threads, secs, size / secs / 1e6);
  for (int i = 0; i < threads; ++i)
    std::printf("  thread %d: bytes %zu lines %" PRIu64 " ok %" PRIu64 " fallback %" PRIu64 " errors %" PRIu64
                " total_tokens %" PRId64 "\n",
                i, cuts[i + 1] - cuts[i], parts[i].lines, parts[i].ok,
                parts[i].fallback_shape + parts[i].fallback_dup + parts[i].fallback_escaped_key, parts[i].errors,
                parts[i].total);
  std::printf("lines %" PRIu64 " (blank %" PRIu64 ")\n", tot.lines, tot.blank);
  std::printf("summarised %" PRIu64 ", left to decoder: shape-key %" PRIu64 " dup-key %" PRIu64 " escaped-key %" PRIu64
              ", simdjson errors %" PRIu64 "\n",
              tot.ok, tot.fallback_shape, tot.fallback_dup, tot.fallback_escaped_key, tot.errors);
  std::printf("records (summarised + left to decoder) %" PRIu64 "\n",
              tot.ok + tot.fallback_shape + tot.fallback_dup + tot.fallback_escaped_key);
  std::printf("tokens: prompt %" PRId64 " completion %" PRId64 " total %" PRId64 "\n", tot.prompt, tot.completion, tot.total);
  std::printf("choices %" PRIu64 " (objects %" PRIu64 ", delta %" PRIu64 ", message %" PRIu64 ", null/absent reason %" PRIu64
              ", first-delta role/tool_calls %" PRIu64 ")\n",
              tot.choices, tot.choice_objects, tot.delta_choices, tot.message_choices, tot.null_reasons, tot.chat_first_delta);
  std::printf("created: int sum %" PRIu64 ", other %" PRIu64 "; id: len sum %" PRIu64 ", hash xor %016" PRIx64
              ", escaped %" PRIu64 "; padded copies %" PRIu64 "\n",
              tot.created_int_sum, tot.created_other, tot.id_len_sum, tot.id_hash_xor, tot.id_escaped, tot.padded_copies);
  for (const Stats &s : parts)
    for (auto &e : s.first_errors) std::printf("error at byte %zu: %s\n", e.first, e.second.c_str());
  if (!quiet) {
    print_map("MODEL                              RECORDS       PROMPT   COMPLETION        TOTAL", parts, &Stats::models, true);
    print_map("FINGERPRINT", parts, &Stats::fingerprints, true);
    print_map("FINISH REASON (choices)", parts, &Stats::reasons, false);
    print_map("OBJECT", parts, &Stats::objects, false);
  }
  return tot.errors ? 1 : 0;
}
