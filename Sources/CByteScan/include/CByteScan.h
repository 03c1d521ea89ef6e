#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stddef.h>
#include <stdint.h>
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

/// JSON's whitespace: space, tab, line feed, carriage return.
static inline int cbytescan_is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Skips one JSON value of a line already known to be valid JSON, from its first byte, without validating
/// it: a string to its closing quote, an object or array by counting brackets outside strings, a number or
/// literal to the next delimiter. Returns the offset after the value, or `end + 1` where the input ends
/// first or non-empty objects and arrays nest deeper than `max_depth`.
static inline size_t cbytescan_skip_valid(const uint8_t *b, size_t i, size_t end, long max_depth) {
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

#endif
