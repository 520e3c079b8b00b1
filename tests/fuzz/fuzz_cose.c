/*
 * Fuzz target: COSE message parsing, COSE_Key parsing and CWT claims.
 * No cryptography runs here, because the parsers are the first code to
 * read hostile bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/cwt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every byte of a view so ASan checks that it lies in the input. */
static unsigned touch(const struct gkdc_bytes *b)
{
  unsigned sum = 0;
  size_t i;

  for (i = 0; b->ptr != NULL && i < b->len; i++)
    sum += b->ptr[i];
  return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const enum gkdc_cose_type types[] = {GKDC_COSE_ANY, GKDC_COSE_SIGN1,
                                              GKDC_COSE_MAC0, GKDC_COSE_ENCRYPT0};
  volatile unsigned sink = 0;
  struct gkdc_cose_msg m;
  struct gkdc_cose_key k;
  struct gkdc_cwt_claims c;
  size_t i;

  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (gkdc_cose_parse(data, size, types[i], &m) == GKDC_COSE_OK) {
      sink += touch(&m.payload) + touch(&m.auth) + touch(&m.hdr.protected_bstr);
      sink += touch(&m.hdr.kid) + touch(&m.hdr.iv) + touch(&m.hdr.unprotected);
      /* The payload of a CWT is a claims set. */
      if (gkdc_cwt_claims_parse(m.payload.ptr, m.payload.len, &c) == GKDC_CBOR_OK)
        sink += touch(&c.cnf);
    }
  }

  if (gkdc_cose_key_parse(data, size, &k) == GKDC_COSE_OK) {
    uint8_t pub[200];
    size_t pub_len = sizeof(pub);

    sink += touch(&k.x) + touch(&k.y) + touch(&k.d) + touch(&k.k);
    if (gkdc_cose_key_public_raw(&k, pub, &pub_len))
      sink += pub[0];
  }

  if (gkdc_cwt_claims_parse(data, size, &c) == GKDC_CBOR_OK) {
    struct gkdc_cose_key key;
    struct gkdc_cbor_dec d;
    struct gkdc_cbor_dec v;

    sink += touch(&c.iss) + touch(&c.aud) + touch(&c.scope) + touch(&c.cnf);
    sink += (unsigned)gkdc_cwt_aud_contains(&c, "kdc");
    sink += (unsigned)gkdc_cwt_time_valid(&c, 1700000000);

    /* A CCS: cnf contains a COSE_Key under method 1. */
    if (c.cnf.ptr != NULL) {
      gkdc_cbor_dec_init(&d, c.cnf.ptr, c.cnf.len, NULL);
      gkdc_cbor_dec_enter_map(&d, NULL);
      if (gkdc_cbor_dec_map_find_int(&d, GKDC_CNF_COSE_KEY, &v) &&
          gkdc_cose_key_decode(&v, &key) == GKDC_COSE_OK)
        sink += touch(&key.x);
    }
  }
  (void)sink;
  return 0;
}
