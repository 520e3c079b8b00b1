/*
 * Fuzz target: the CBOR decoder, the encoder and diagnostic notation.
 *
 * Every input is decoded as one item and as a sequence. A valid input is
 * re-encoded item by item; since the decoder accepts only shortest heads
 * and definite lengths, the output must equal the input byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies the next item from `d` to `e` with the typed getters. Floats go
 * through put_raw, because their width is not kept by get_float. */
static void copy_item(struct gkdc_cbor_dec *d, struct gkdc_cbor_enc *e, unsigned depth)
{
  struct gkdc_bytes b;
  uint64_t u = 0;
  int64_t i = 0;
  size_t n = 0;
  size_t k;
  int flag = 0;

  switch (gkdc_cbor_dec_peek_type(d)) {
  case GKDC_CBOR_TYPE_UINT:
    gkdc_cbor_dec_get_uint(d, &u);
    gkdc_cbor_enc_put_uint(e, u);
    break;
  case GKDC_CBOR_TYPE_NEGINT:
    /* Below INT64_MIN get_int stores GKDC_CBOR_ERR_RANGE, and the round
     * trip is not checked. */
    if (gkdc_cbor_dec_get_int(d, &i))
      gkdc_cbor_enc_put_int(e, i);
    break;
  case GKDC_CBOR_TYPE_BSTR:
    gkdc_cbor_dec_get_bstr(d, &b);
    gkdc_cbor_enc_put_bstr(e, b.ptr, b.len);
    break;
  case GKDC_CBOR_TYPE_TSTR:
    gkdc_cbor_dec_get_tstr(d, &b);
    gkdc_cbor_enc_put_tstr(e, (const char *)b.ptr, b.len);
    break;
  case GKDC_CBOR_TYPE_ARRAY:
    gkdc_cbor_dec_enter_array(d, &n);
    gkdc_cbor_enc_put_array(e, n);
    for (k = 0; k < n; k++)
      copy_item(d, e, depth + 1);
    gkdc_cbor_dec_exit(d);
    break;
  case GKDC_CBOR_TYPE_MAP:
    gkdc_cbor_dec_enter_map(d, &n);
    gkdc_cbor_enc_put_map(e, n);
    for (k = 0; k < 2 * n; k++)
      copy_item(d, e, depth + 1);
    gkdc_cbor_dec_exit(d);
    break;
  case GKDC_CBOR_TYPE_TAG:
    gkdc_cbor_dec_get_tag(d, &u);
    gkdc_cbor_enc_put_tag(e, u);
    copy_item(d, e, depth + 1);
    break;
  case GKDC_CBOR_TYPE_TRUE:
  case GKDC_CBOR_TYPE_FALSE:
    gkdc_cbor_dec_get_bool(d, &flag);
    gkdc_cbor_enc_put_bool(e, flag);
    break;
  case GKDC_CBOR_TYPE_NULL:
    gkdc_cbor_dec_get_null(d);
    gkdc_cbor_enc_put_null(e);
    break;
  default:
    gkdc_cbor_dec_get_raw(d, &b);
    gkdc_cbor_enc_put_raw(e, b.ptr, b.len);
    break;
  }
}

/* Re-encodes a valid single item and checks that the bytes match. Items
 * with integers below INT64_MIN are skipped (get_int cannot read them). */
static void check_round_trip(const uint8_t *data, size_t size)
{
  struct gkdc_cbor_dec d;
  struct gkdc_cbor_enc e;
  uint8_t *out = malloc(size + 1);
  size_t len = 0;

  if (out == NULL)
    abort();
  gkdc_cbor_dec_init(&d, data, size, NULL);
  gkdc_cbor_enc_init(&e, out, size);
  copy_item(&d, &e, 0);
  if (gkdc_cbor_dec_finish(&d) == GKDC_CBOR_OK &&
      gkdc_cbor_enc_finish(&e, &len) == GKDC_CBOR_OK &&
      (len != size || memcmp(out, data, size) != 0))
    abort();
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *sink;
  struct gkdc_cbor_dec d;

  if (sink == NULL)
    sink = fopen("/dev/null", "w");

  if (gkdc_cbor_dec_init(&d, data, size, NULL) == GKDC_CBOR_OK)
    check_round_trip(data, size);

  /* A sequence: skip item by item until the end or an error. */
  gkdc_cbor_dec_init_seq(&d, data, size, NULL);
  while (!gkdc_cbor_dec_at_end(&d))
    gkdc_cbor_dec_skip(&d);
  gkdc_cbor_dec_finish(&d);

  if (sink != NULL) {
    gkdc_cbor_diag(sink, data, size,
                   GKDC_DIAG_PRETTY | GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED,
                   GKDC_DIAG_AS_AUTO);
    gkdc_cbor_diag(sink, data, size, 0, GKDC_DIAG_AS_COSE_KEY);
    gkdc_cbor_diag(sink, data, size, GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED,
                   GKDC_DIAG_AS_GROUPCOMM);
    gkdc_cbor_diag(sink, data, size, GKDC_DIAG_LABELS | GKDC_DIAG_EMBEDDED,
                   GKDC_DIAG_AS_ACE);
  }
  return 0;
}
