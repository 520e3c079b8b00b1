/*
 * Internal pieces shared by the CBOR decoder (cbor_dec.c), the validator
 * (cbor_validate.c) and the encoder (cbor_enc.c).
 */
#ifndef GKDC_CBOR_INTERNAL_H
#define GKDC_CBOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/cbor.h>

/* One decoded head, as read by gkdc_cbor_read_head(). */
struct gkdc_cbor_head {
  enum gkdc_cbor_type type;
  uint64_t arg;          /* integer argument: value, length, count or tag */
  size_t head_len;       /* bytes of the head itself */
  size_t item_len;       /* head plus string content; head_len for others */
  const uint8_t *str;    /* string content (BSTR, TSTR), a view */
  double f;              /* FLOAT value */
};

/*
 * Reads the head at `p` (`n` bytes available) with libcbor's
 * cbor_stream_decode. Checks the shortest form and rejects indefinite
 * lengths, break codes and simple values other than false, true, null and
 * undefined. For strings it also checks that the content is present.
 */
enum gkdc_cbor_err gkdc_cbor_read_head(const uint8_t *p, size_t n,
                                       struct gkdc_cbor_head *h);

/*
 * Finds the end of the item at `pos` in buf[0..len) without any check
 * beyond what gkdc_cbor_read_head() does; counts are trusted, so call it
 * only on validated input or on the encoder's own output.
 */
enum gkdc_cbor_err gkdc_cbor_item_end(const uint8_t *buf, size_t len, size_t pos,
                                      size_t *end);

/* Validates the item at `pos` (all checks of gkdc_cbor_validate()) and
 * returns its end offset in *end. */
enum gkdc_cbor_err gkdc_cbor_validate_at(const uint8_t *buf, size_t len, size_t pos,
                                         unsigned max_depth, size_t *end);

/* A span of encoded bytes, compared bytewise (shorter first on a common
 * prefix): the order of deterministic map keys (RFC 8949 section 4.2.1). */
struct gkdc_cbor_span {
  const uint8_t *ptr;
  size_t len;
  size_t value_len; /* encoder: length of the value that follows the key */
};

int gkdc_cbor_span_cmp(const void *a, const void *b);

/* Bytes a head with argument `arg` takes in shortest form. */
size_t gkdc_cbor_head_size(uint64_t arg);

#endif /* GKDC_CBOR_INTERNAL_H */
