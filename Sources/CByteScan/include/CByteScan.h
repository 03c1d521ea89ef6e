#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Byte classification for the index's JSON scanner, 16 bytes per step.
///
/// Swift's SIMD types can compare 16 bytes at once but have no movemask, so finding *which* byte matched took
/// a second, 8-byte SWAR pass; SSE2 (always present on x86-64) gives the position in one step. These are
/// `static inline` so the Swift compiler inlines them into the scanner's loops.

/// The first `"` or `\` in `b[i..<end]`, or `end`.
static inline size_t cbytescan_quote_or_backslash(const uint8_t *b, size_t i, size_t end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (i + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < end) {
        uint8_t c = b[i];
        if (c == '"' || c == '\\') return i;
        i++;
    }
    return end;
}

/// The first `"`, `{`, `}`, `[` or `]` in `b[i..<end]`, or `end`. (`[` and `]` are `{` and `}` without bit
/// 0x20, and no other byte is.)
static inline size_t cbytescan_quote_or_bracket(const uint8_t *b, size_t i, size_t end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');
    const __m128i lower = _mm_set1_epi8(0x20);
    while (i + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i folded = _mm_or_si128(v, lower);
        __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                    _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
        unsigned m = (unsigned)_mm_movemask_epi8(hits);
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < end) {
        uint8_t c = b[i];
        if (c == '"' || (c | 0x20) == '{' || (c | 0x20) == '}') return i;
        i++;
    }
    return end;
}

/// The first `\u` (a backslash followed by `u`) in `b[i..<end]`, at the backslash, or `end`.
static inline size_t cbytescan_backslash_u(const uint8_t *b, size_t i, size_t end) {
#if defined(__SSE2__)
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i u = _mm_set1_epi8('u');
    /* Positions i..<i+16 are candidates; the block read for the `u` ends at i + 17. */
    while (i + 17 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 1));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(w, u)));
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i + 1 < end) {
        if (b[i] == '\\' && b[i + 1] == 'u') return i;
        i++;
    }
    return end;
}

/// Walks line feeds in `b[i..<end]`, 64 bytes at a time (a count of each block's line feeds, as bits), and
/// stops after the `limit`-th (`limit` >= 1). Returns the offset after that line feed, or `end` when there
/// are fewer; `*seen` gets the number passed. Cutting a chunk after its 262,144th line walked every line of
/// it with memchr on the thread that merges chunks: 7% of `stats`' CPU on the 1 GB benchmark log, whose
/// chunks never reach that many lines (perf, release build).
static inline size_t cbytescan_after_lines(const uint8_t *b, size_t i, size_t end, size_t limit, size_t *seen) {
    size_t n = 0;
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n');
    while (i + 64 <= end) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 48));
        uint64_t m = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, lf))
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, lf)) << 16
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, lf)) << 32
            | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, lf)) << 48;
        size_t k = (size_t)__builtin_popcountll(m);
        if (n + k >= limit) {
            /* The line feed that makes `limit` is in this block: drop the ones before it. */
            for (size_t d = limit - n - 1; d > 0; d--) m &= m - 1;
            *seen = limit;
            return i + (size_t)__builtin_ctzll(m) + 1;
        }
        n += k;
        i += 64;
    }
#endif
    while (i < end) {
        if (b[i] == '\n') {
            n++;
            if (n == limit) {
                *seen = n;
                return i + 1;
            }
        }
        i++;
    }
    *seen = n;
    return end;
}

/// JSON's whitespace: space, tab, line feed, carriage return.
static inline int cbytescan_is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Skips one JSON value of a line already known to be valid JSON, from its first byte, without validating
/// it: a string to its closing quote, an object or array by counting brackets outside strings, a number or
/// literal to the next delimiter. Returns the offset after the value, or `end + 1` where the input ends
/// first or non-empty objects and arrays nest deeper than `max_depth`. One byte (or one 16-byte search) at
/// a time: `cbytescan_skip_valid` is the same with whole objects and arrays classified 64 bytes at a time.
static inline size_t cbytescan_skip_valid_bytewise(const uint8_t *b, size_t i, size_t end, long max_depth) {
    if (i >= end) return end + 1;
    uint8_t c = b[i];
    if (c != '"' && c != '{' && c != '[') {
        while (i < end) {
            c = b[i];
            if (c == ',' || c == '}' || c == ']' || cbytescan_is_space(c)) break;
            i++;
        }
        return i;
    }
    long depth = 0;
    for (;;) {
        if (c == '"') {
            i++;
            for (;;) {
                i = cbytescan_quote_or_backslash(b, i, end);
                if (i >= end) return end + 1;
                if (b[i] == '"') break;
                i += 2;
            }
            i++;
        } else if (c == '{' || c == '[') {
            // An empty object or array does not count as a level (as the validating skip counts them).
            size_t j = i + 1;
            while (j < end && cbytescan_is_space(b[j])) j++;
            if (j < end && (b[j] | 0x20) == '}') {
                i = j + 1;
            } else {
                depth++;
                if (depth > max_depth) return end + 1;
                i++;
            }
        } else {
            depth--;
            i++;
        }
        if (depth == 0) return i;
        i = cbytescan_quote_or_bracket(b, i, end);
        if (i >= end) return end + 1;
        c = b[i];
    }
}

#if defined(__SSE2__)
/// The bytes of `b[0..<64]` that equal `c`, as bits (bit k for byte k).
static inline uint64_t cbytescan_eq64(__m128i v0, __m128i v1, __m128i v2, __m128i v3, __m128i c) {
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, c))
        | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v1, c)) << 16
        | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v2, c)) << 32
        | (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v3, c)) << 48;
}
#endif

/// `cbytescan_skip_valid_bytewise`, with an object or array classified 64 bytes at a time: bit masks of its
/// quotes, backslashes and brackets; the bytes inside strings from the unescaped quotes (a running XOR);
/// and the depth carried over whole blocks by counting their brackets, walking bracket by bracket only in
/// a block where the value may end. Where the depth may pass `max_depth` it leaves the value to the
/// bytewise skip, which counts empty objects and arrays as that limit wants.
///
/// Token-by-token values (a text completion's `logprobs`, a chat completion's `logprobs.content`) hold a
/// quote or bracket every few bytes, where the bytewise skip stops at each. On the generated 1 GB logs
/// (`index-benchmark LOG --figures --cpu`, release build, 2 rounds of 3 runs each, CPU seconds per filter):
/// chat completions with logprobs, `f invoice` 1.89–1.94 s bytewise and 1.34–1.36 s with this, `f zzzq`
/// 1.52–1.53 s and 1.00–1.01 s; the logprob-heavy text completions, `f invoice` 1.59–1.61 s and
/// 1.19–1.22 s; the plain benchmark log, `f invoice` 2.19–2.23 s and 1.98–2.09 s.
static inline size_t cbytescan_skip_valid(const uint8_t *b, size_t i, size_t end, long max_depth) {
#if defined(__SSE2__)
    if (i >= end || (b[i] != '{' && b[i] != '[')) return cbytescan_skip_valid_bytewise(b, i, end, max_depth);
    const size_t start = i;
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), lower = _mm_set1_epi8(0x20);
    long depth = 0;
    uint64_t in_string = 0;  /* all ones when the block starts inside a string */
    uint64_t escaped_next = 0; /* 1 when the block's first byte is escaped */
    uint8_t tail[64];
    while (i < end) {
        const uint8_t *block = b + i;
        size_t n = end - i;
        if (n < 64) {
            /* The last bytes, padded with spaces (never read past `end`). */
            for (size_t k = 0; k < 64; k++) tail[k] = k < n ? block[k] : ' ';
            block = tail;
        }
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)block);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(block + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(block + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(block + 48));
        uint64_t quotes = cbytescan_eq64(v0, v1, v2, v3, quote);
        uint64_t slashes = cbytescan_eq64(v0, v1, v2, v3, backslash);
        __m128i f0 = _mm_or_si128(v0, lower), f1 = _mm_or_si128(v1, lower);
        __m128i f2 = _mm_or_si128(v2, lower), f3 = _mm_or_si128(v3, lower);
        uint64_t opens = cbytescan_eq64(f0, f1, f2, f3, open);
        uint64_t closes = cbytescan_eq64(f0, f1, f2, f3, close);
        /* Escaped bytes: each backslash that is not itself escaped escapes the byte after it. */
        uint64_t escaped = escaped_next;
        escaped_next = 0;
        uint64_t escapers = slashes & ~escaped;
        while (escapers != 0) {
            int k = __builtin_ctzll(escapers);
            if (k == 63) {
                escaped_next = 1;
                break;
            }
            uint64_t after = 1ULL << (k + 1);
            escaped |= after;
            escapers &= ~after;
            escapers &= escapers - 1;
        }
        quotes &= ~escaped;
        /* Inside strings: a running XOR of the quotes (the opening quote counts as inside, the closing one not). */
        uint64_t x = quotes;
        x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
        x ^= in_string;
        in_string = (uint64_t)0 - (x >> 63);
        opens &= ~x;
        closes &= ~x;
        if (n < 64) {
            uint64_t valid = (1ULL << n) - 1;
            opens &= valid;
            closes &= valid;
        }
        long o = __builtin_popcountll(opens), c = __builtin_popcountll(closes);
        if (depth + o > max_depth) return cbytescan_skip_valid_bytewise(b, start, end, max_depth);
        if (c < depth) {
            /* The value cannot end in this block. */
            depth += o - c;
        } else {
            uint64_t brackets = opens | closes;
            while (brackets != 0) {
                int k = __builtin_ctzll(brackets);
                uint64_t bit = 1ULL << k;
                if (opens & bit) {
                    depth++;
                } else if (--depth == 0) {
                    return i + (size_t)k + 1;
                }
                brackets &= brackets - 1;
            }
        }
        if (n <= 64) break;
        i += 64;
    }
    return end + 1;
#else
    return cbytescan_skip_valid_bytewise(b, i, end, max_depth);
#endif
}


/// Whether the four bytes at `p` are hex digits, as one 32-bit word: no branch per digit (an escaped
/// text such as Python's `ensure_ascii` output has a `\u` escape every few characters).
static inline int cbytescan_four_hex(const uint8_t *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    /* Per byte, with no carry between bytes: a digit is 0x30...0x39; a letter, lowered, 0x61...0x66. */
    uint32_t high = w & 0x80808080u;
    uint32_t low7 = w & 0x7F7F7F7Fu;
    uint32_t ge0 = low7 + 0x50505050u;          /* bit 7 set where the byte >= 0x30 */
    uint32_t gt9 = low7 + 0x46464646u;          /* bit 7 set where the byte >= 0x3A */
    uint32_t lower = low7 | 0x20202020u;
    uint32_t gea = lower + 0x1F1F1F1Fu;         /* bit 7 set where the lowered byte >= 0x61 */
    uint32_t gtf = lower + 0x19191919u;         /* bit 7 set where the lowered byte >= 0x67 */
    uint32_t digit = ge0 & ~gt9;
    uint32_t letter = gea & ~gtf;
    return ((digit | letter) & ~high & 0x80808080u) == 0x80808080u;
}

/// Skips a string from its opening quote, validating its escapes as `JSONParser` reads them (`\"`, `\\`,
/// `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u` with four hex digits). Returns the offset after the closing
/// quote, or `end + 1`.
static inline size_t cbytescan_skip_string(const uint8_t *b, size_t i, size_t end) {
    i++;
    for (;;) {
        i = cbytescan_quote_or_backslash(b, i, end);
        if (i >= end) return end + 1;
        if (b[i] == '"') return i + 1;
        if (i + 1 >= end) return end + 1;
        switch (b[i + 1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            i += 2;
            break;
        case 'u':
            if (i + 6 > end || !cbytescan_four_hex(b + i + 2)) return end + 1;
            i += 6;
            break;
        default:
            return end + 1;
        }
    }
}

/// The first byte at or after `i` that is not an ASCII digit, or `end`: 16 bytes per step with SSE2 (a
/// logprob's fraction has five to seventeen digits).
static inline size_t cbytescan_digits_end(const uint8_t *b, size_t i, size_t end) {
#if defined(__SSE2__)
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), none = _mm_setzero_si128();
    while (i + 16 <= end) {
        __m128i v = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(b + i)), zero);
        /* A digit is 0...9 after the subtraction: saturating 9 off leaves 0 for it alone. */
        unsigned digits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_subs_epu8(v, nine), none));
        if (digits != 0xFFFF) return i + (size_t)__builtin_ctz(~digits);
        i += 16;
    }
#endif
    while (i < end && (uint8_t)(b[i] - '0') < 10) i++;
    return i;
}

/// Skips a number as `JSONParser` reads it (and `NaN`, `Infinity`, `-Infinity`, which it accepts). Returns
/// the offset after it, or `end + 1`.
static inline size_t cbytescan_skip_number(const uint8_t *b, size_t i, size_t end) {
    uint8_t c = b[i];
    if (c == 'N') return (end - i >= 3 && b[i + 1] == 'a' && b[i + 2] == 'N') ? i + 3 : end + 1;
    if (c == '-') {
        i++;
        if (i < end && b[i] == 'I') c = 'I';
    }
    if (c == 'I') return (end - i >= 8 && memcmp(b + i, "Infinity", 8) == 0) ? i + 8 : end + 1;
    if (i >= end || (uint8_t)(b[i] - '0') >= 10) return end + 1;
    if (b[i] == '0') {
        i++;
    } else {
        i = cbytescan_digits_end(b, i, end);
    }
    if (i < end && b[i] == '.') {
        i++;
        if (i >= end || (uint8_t)(b[i] - '0') >= 10) return end + 1;
        i = cbytescan_digits_end(b, i + 1, end);
    }
    if (i < end && (b[i] | 0x20) == 'e') {
        i++;
        if (i < end && (b[i] == '+' || b[i] == '-')) i++;
        if (i >= end || (uint8_t)(b[i] - '0') >= 10) return end + 1;
        while (i < end && (uint8_t)(b[i] - '0') < 10) i++;
    }
    return i;
}

/// At a quote: skips an object's key (escapes allowed), the colon and the blanks around it. Returns the
/// offset of the member's value, or `end + 1`.
static inline size_t cbytescan_skip_key(const uint8_t *b, size_t i, size_t end) {
    if (i >= end || b[i] != '"') return end + 1;
    i = cbytescan_skip_string(b, i, end);
    if (i > end) return i;
    while (i < end && cbytescan_is_space(b[i])) i++;
    if (i >= end || b[i] != ':') return end + 1;
    i++;
    while (i < end && cbytescan_is_space(b[i])) i++;
    return i;
}

/// Skips one JSON value from its first byte, validating it as `JSONParser` does: the grammar, string
/// escapes, number syntax, the literals, and non-empty objects and arrays nested at most `max_depth` deep
/// (empty ones do not count). Returns the offset after the value, or `end + 1` on any error.
///
/// The index reads most of a line's bytes through this (a text completion's `logprobs`, a chat
/// completion's `logprobs.content`, response texts). The same walk in Swift called out to its key, string
/// and number readers for each token; here they are inlined into one loop, and digit runs are found 16
/// bytes at a time. Instructions and mispredicted branches of `index-benchmark SLICE --profile-index 1
/// --workers 1` under `valgrind --tool=callgrind --branch-sim=yes`, on 20 MB slices of the generated logs
/// (wall-clock runs on the shared 2-core host varied more than the difference):
/// logprob-heavy 300 M / 3.20 M with the Swift walk, 275 M / 2.33 M with this; chat completions with
/// logprobs 326 M / 3.15 M and 285 M / 2.79 M; the plain log 269 M / 2.69 M and 261 M / 2.61 M.
static inline size_t cbytescan_skip_value(const uint8_t *b, size_t i, size_t end, long max_depth) {
    long depth = 0;
    uint64_t objects = 0; /* bit d: the container at depth d is an object */
    for (;;) {
        if (i >= end) return end + 1;
        switch (b[i]) {
        case '"':
            i = cbytescan_skip_string(b, i, end);
            if (i > end) return i;
            break;
        case '{':
        case '[': {
            int object = b[i] == '{';
            i++;
            while (i < end && cbytescan_is_space(b[i])) i++;
            if (i >= end) return end + 1;
            if (b[i] == (object ? '}' : ']')) {
                i++;
                break;
            }
            depth++;
            if (depth > max_depth) return end + 1;
            if (object) {
                objects |= (uint64_t)1 << depth;
                i = cbytescan_skip_key(b, i, end);
                if (i > end) return i;
            } else {
                objects &= ~((uint64_t)1 << depth);
            }
            continue;
        }
        case 't':
            if (end - i < 4 || memcmp(b + i, "true", 4) != 0) return end + 1;
            i += 4;
            break;
        case 'f':
            if (end - i < 5 || memcmp(b + i, "false", 5) != 0) return end + 1;
            i += 5;
            break;
        case 'n':
            if (end - i < 4 || memcmp(b + i, "null", 4) != 0) return end + 1;
            i += 4;
            break;
        default:
            i = cbytescan_skip_number(b, i, end);
            if (i > end) return i;
        }
        /* After a value: close containers until another value is due. */
        for (;;) {
            if (depth == 0) return i;
            while (i < end && cbytescan_is_space(b[i])) i++;
            if (i >= end) return end + 1;
            uint8_t d = b[i];
            int in_object = (int)((objects >> depth) & 1);
            if (d == ',') {
                i++;
                while (i < end && cbytescan_is_space(b[i])) i++;
                if (in_object) {
                    i = cbytescan_skip_key(b, i, end);
                    if (i > end) return i;
                }
                break;
            }
            if (d != (in_object ? '}' : ']')) return end + 1;
            i++;
            depth--;
        }
    }
}

#endif
