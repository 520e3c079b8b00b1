/*
 * Hex helpers of the CBOR, COSE and CWT tests. Header-only.
 */
#ifndef GKDC_TEST_CBOR_UTIL_H
#define GKDC_TEST_CBOR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Parses hex digits into buf, skipping spaces; returns the length. */
static inline size_t unhex(const char *hex, uint8_t *buf, size_t cap)
{
  size_t n = 0;

  while (hex[0] != '\0' && hex[1] != '\0' && n < cap) {
    unsigned v;

    if (hex[0] == ' ') {
      hex++;
      continue;
    }
    if (sscanf(hex, "%2x", &v) != 1)
      break;
    buf[n++] = (uint8_t)v;
    hex += 2;
  }
  return n;
}

#endif /* GKDC_TEST_CBOR_UTIL_H */
