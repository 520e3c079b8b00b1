/*
 * CWT claims sets (RFC 8392, RFC 9200): type-checked parsing.
 */
#include <math.h>
#include <string.h>

#include <gkdc/cwt.h>

/* Reads a NumericDate: an int, or a finite float rounded down. */
static void get_numeric_date(struct gkdc_cbor_dec *d, int64_t *out)
{
  double f = 0;

  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_FLOAT) {
    gkdc_cbor_dec_get_int(d, out);
    return;
  }
  if (!gkdc_cbor_dec_get_float(d, &f))
    return;
  /* 2^63 and beyond do not fit int64_t. */
  if (!isfinite(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_VALUE);
    return;
  }
  /* Round toward minus infinity; the cast rounds toward zero. */
  *out = (int64_t)f;
  if ((double)*out > f)
    (*out)--;
}

/* Reads a tstr, or a non-empty array of tstr, as encoded bytes. */
static void get_aud(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec arr;
  struct gkdc_bytes raw = {NULL, 0};
  struct gkdc_bytes s;
  size_t n = 0;
  size_t i;

  if (gkdc_cbor_dec_peek_type(d) == GKDC_CBOR_TYPE_TSTR) {
    gkdc_cbor_dec_get_raw(d, out);
    return;
  }
  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_ARRAY) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return;
  }
  if (!gkdc_cbor_dec_get_raw(d, &raw))
    return;

  gkdc_cbor_dec_init(&arr, raw.ptr, raw.len, NULL);
  arr.parent = d;
  gkdc_cbor_dec_enter_array(&arr, &n);
  if (n == 0)
    gkdc_cbor_dec_set_error(&arr, GKDC_CBOR_ERR_VALUE);
  for (i = 0; i < n; i++)
    gkdc_cbor_dec_get_tstr(&arr, &s);
  gkdc_cbor_dec_exit(&arr);
  if (gkdc_cbor_dec_finish(&arr) == GKDC_CBOR_OK)
    *out = raw;
}

/* Reads cnf: a map with exactly one confirmation method. */
static void get_cnf(struct gkdc_cbor_dec *d, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec map;
  struct gkdc_bytes raw = {NULL, 0};
  size_t n = 0;

  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return;
  }
  if (!gkdc_cbor_dec_get_raw(d, &raw))
    return;
  gkdc_cbor_dec_init(&map, raw.ptr, raw.len, NULL);
  gkdc_cbor_dec_enter_map(&map, &n);
  if (n != 1) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_VALUE);
    return;
  }
  *out = raw;
}

/* Reads a value of one of two types as encoded bytes. */
static void get_raw_of(struct gkdc_cbor_dec *d, enum gkdc_cbor_type a,
                       enum gkdc_cbor_type b, struct gkdc_bytes *out)
{
  enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(d);

  if (t != a && t != b) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return;
  }
  gkdc_cbor_dec_get_raw(d, out);
}

/* Reads the value of claim `key` into `c`; returns its presence bit, or 0
 * for a claim this parser skips. */
static uint32_t read_claim(struct gkdc_cbor_dec *d, int64_t key, struct gkdc_cwt_claims *c)
{
  switch (key) {
  case GKDC_CWT_ISS:
    gkdc_cbor_dec_get_tstr(d, &c->iss);
    return GKDC_CWT_HAS_ISS;
  case GKDC_CWT_SUB:
    gkdc_cbor_dec_get_tstr(d, &c->sub);
    return GKDC_CWT_HAS_SUB;
  case GKDC_CWT_AUD:
    get_aud(d, &c->aud);
    return GKDC_CWT_HAS_AUD;
  case GKDC_CWT_EXP:
    get_numeric_date(d, &c->exp);
    return GKDC_CWT_HAS_EXP;
  case GKDC_CWT_NBF:
    get_numeric_date(d, &c->nbf);
    return GKDC_CWT_HAS_NBF;
  case GKDC_CWT_IAT:
    get_numeric_date(d, &c->iat);
    return GKDC_CWT_HAS_IAT;
  case GKDC_CWT_CTI:
    gkdc_cbor_dec_get_bstr(d, &c->cti);
    return GKDC_CWT_HAS_CTI;
  case GKDC_CWT_CNF:
    get_cnf(d, &c->cnf);
    return GKDC_CWT_HAS_CNF;
  case GKDC_CWT_SCOPE:
    get_raw_of(d, GKDC_CBOR_TYPE_TSTR, GKDC_CBOR_TYPE_BSTR, &c->scope);
    return GKDC_CWT_HAS_SCOPE;
  case GKDC_CWT_ACE_PROFILE:
    gkdc_cbor_dec_get_int(d, &c->ace_profile);
    return GKDC_CWT_HAS_ACE_PROFILE;
  case GKDC_CWT_CNONCE:
    gkdc_cbor_dec_get_bstr(d, &c->cnonce);
    return GKDC_CWT_HAS_CNONCE;
  case GKDC_CWT_EXI:
    gkdc_cbor_dec_get_uint(d, &c->exi);
    return GKDC_CWT_HAS_EXI;
  default:
    gkdc_cbor_dec_skip(d);
    return 0;
  }
}

enum gkdc_cbor_err gkdc_cwt_claims_decode(struct gkdc_cbor_dec *d,
                                          struct gkdc_cwt_claims *c)
{
  struct gkdc_cbor_dec map;
  size_t pairs = 0;
  size_t i;

  memset(c, 0, sizeof(*c));
  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return gkdc_cbor_dec_error(d);
  }
  if (!gkdc_cbor_dec_get_raw(d, &c->encoded))
    return gkdc_cbor_dec_error(d);

  gkdc_cbor_dec_init(&map, c->encoded.ptr, c->encoded.len, NULL);
  map.parent = d;
  gkdc_cbor_dec_enter_map(&map, &pairs);
  for (i = 0; i < pairs; i++) {
    enum gkdc_cbor_type kt = gkdc_cbor_dec_peek_type(&map);
    int64_t key = 0;

    /* Text keys and integers beyond int64 name no claim read here. */
    if (kt == GKDC_CBOR_TYPE_UINT || kt == GKDC_CBOR_TYPE_NEGINT) {
      struct gkdc_bytes raw;
      struct gkdc_cbor_dec kd;

      gkdc_cbor_dec_get_raw(&map, &raw);
      gkdc_cbor_dec_init(&kd, raw.ptr, raw.len, NULL);
      if (gkdc_cbor_dec_get_int(&kd, &key))
        c->present |= read_claim(&map, key, c);
      else
        gkdc_cbor_dec_skip(&map);
    } else {
      gkdc_cbor_dec_skip(&map);
      gkdc_cbor_dec_skip(&map);
    }
  }
  gkdc_cbor_dec_exit(&map);
  gkdc_cbor_dec_finish(&map);

  if (gkdc_cbor_dec_error(d) != GKDC_CBOR_OK) {
    struct gkdc_bytes keep = c->encoded;

    memset(c, 0, sizeof(*c));
    c->encoded = keep;
  }
  return gkdc_cbor_dec_error(d);
}

enum gkdc_cbor_err gkdc_cwt_claims_parse(const uint8_t *in, size_t len,
                                         struct gkdc_cwt_claims *c)
{
  struct gkdc_cbor_dec d;

  memset(c, 0, sizeof(*c));
  if (gkdc_cbor_dec_init(&d, in, len, NULL) != GKDC_CBOR_OK)
    return gkdc_cbor_dec_error(&d);
  if (gkdc_cwt_claims_decode(&d, c) != GKDC_CBOR_OK)
    return gkdc_cbor_dec_error(&d);
  return gkdc_cbor_dec_finish(&d);
}

int gkdc_cwt_aud_contains(const struct gkdc_cwt_claims *c, const char *aud)
{
  struct gkdc_cbor_dec d;
  struct gkdc_bytes s;
  size_t n = 0;
  size_t want = strlen(aud);
  size_t i;

  if (!(c->present & GKDC_CWT_HAS_AUD) || c->aud.ptr == NULL)
    return 0;
  if (gkdc_cbor_dec_init(&d, c->aud.ptr, c->aud.len, NULL) != GKDC_CBOR_OK)
    return 0;
  if (gkdc_cbor_dec_peek_type(&d) == GKDC_CBOR_TYPE_TSTR) {
    gkdc_cbor_dec_get_tstr(&d, &s);
    return s.len == want && memcmp(s.ptr, aud, want) == 0;
  }
  gkdc_cbor_dec_enter_array(&d, &n);
  for (i = 0; i < n; i++) {
    if (gkdc_cbor_dec_get_tstr(&d, &s) && s.len == want && memcmp(s.ptr, aud, want) == 0)
      return 1;
  }
  return 0;
}

int gkdc_cwt_time_valid(const struct gkdc_cwt_claims *c, int64_t now)
{
  if ((c->present & GKDC_CWT_HAS_EXP) && now >= c->exp)
    return 0;
  if ((c->present & GKDC_CWT_HAS_NBF) && now < c->nbf)
    return 0;
  return 1;
}
