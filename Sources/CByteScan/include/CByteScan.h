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

#endif
