/*
 * COSE_Key (RFC 9052 section 7, RFC 9053 section 7): parsing with checks,
 * the raw public key, and deterministic encoding.
 */
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/cose.h>

/* Coordinate (and private scalar) length of a curve, or 0 when unknown. */
static size_t curve_len(int64_t kty, int64_t crv)
{
  if (kty == GKDC_COSE_KTY_OKP) {
    switch (crv) {
    case GKDC_COSE_CRV_X25519: return 32;
    case 5: return 56; /* X448 */
    case GKDC_COSE_CRV_ED25519: return 32;
    case 7: return 57; /* Ed448 */
    default: return 0;
    }
  }
  if (kty == GKDC_COSE_KTY_EC2) {
    switch (crv) {
    case GKDC_COSE_CRV_P256: return 32;
    case 2: return 48; /* P-384 */
    case 3: return 66; /* P-521 */
    default: return 0;
    }
  }
  return 0;
}

/* Reads an optional bstr at `label`; returns 0 when it has another type. */
static int find_bstr(struct gkdc_cbor_dec *map, int64_t label, struct gkdc_bytes *out)
{
  struct gkdc_cbor_dec v;

  out->ptr = NULL;
  out->len = 0;
  if (!gkdc_cbor_dec_map_find_int(map, label, &v))
    return 1;
  if (gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_BSTR)
    return 0;
  return gkdc_cbor_dec_get_bstr(&v, out);
}

/* Reads an optional int at `label` into *out and sets *present to 1 when it
 * is there. Returns 0 when it has another type. */
static int find_int(struct gkdc_cbor_dec *map, int64_t label, int64_t *out, int *present)
{
  struct gkdc_cbor_dec v;
  enum gkdc_cbor_type t;

  *present = 0;
  if (!gkdc_cbor_dec_map_find_int(map, label, &v))
    return 1;
  t = gkdc_cbor_dec_peek_type(&v);
  if (t != GKDC_CBOR_TYPE_UINT && t != GKDC_CBOR_TYPE_NEGINT)
    return 0;
  *present = 1;
  return gkdc_cbor_dec_get_int(&v, out);
}

/* Checks the parameters against the key type. */
static enum gkdc_cose_err check_key(const struct gkdc_cose_key *key, int has_crv)
{
  size_t n;

  switch (key->kty) {
  case GKDC_COSE_KTY_OKP:
  case GKDC_COSE_KTY_EC2:
    n = has_crv ? curve_len(key->kty, key->crv) : 0;
    if (n == 0 || key->x.ptr == NULL || key->x.len != n)
      return GKDC_COSE_ERR_KEY;
    if (key->d.ptr != NULL && key->d.len != n)
      return GKDC_COSE_ERR_KEY;
    if (key->kty == GKDC_COSE_KTY_OKP && key->y.ptr != NULL)
      return GKDC_COSE_ERR_KEY;
    if (key->kty == GKDC_COSE_KTY_EC2 && (key->y.ptr == NULL || key->y.len != n))
      return GKDC_COSE_ERR_KEY;
    return GKDC_COSE_OK;

  case GKDC_COSE_KTY_SYMMETRIC:
    if (key->k.ptr == NULL || key->k.len == 0)
      return GKDC_COSE_ERR_KEY;
    return GKDC_COSE_OK;

  default:
    return GKDC_COSE_ERR_KEY;
  }
}

enum gkdc_cose_err gkdc_cose_key_decode(struct gkdc_cbor_dec *d, struct gkdc_cose_key *key)
{
  struct gkdc_cbor_dec map;
  struct gkdc_bytes raw = {NULL, 0};
  struct gkdc_cbor_dec v;
  int64_t value = 0;
  int present = 0;
  int has_crv = 0;
  int ok = 1;

  memset(key, 0, sizeof(*key));
  if (gkdc_cbor_dec_peek_type(d) != GKDC_CBOR_TYPE_MAP) {
    gkdc_cbor_dec_set_error(d, GKDC_CBOR_ERR_TYPE);
    return GKDC_COSE_ERR_KEY;
  }
  if (!gkdc_cbor_dec_get_raw(d, &raw))
    return GKDC_COSE_ERR_CBOR;
  key->encoded = raw;

  /* Look labels up on a decoder of the map alone, since kty decides what
   * label -1 means and may come after it in a non-deterministic encoding. */
  gkdc_cbor_dec_init(&map, raw.ptr, raw.len, NULL);
  gkdc_cbor_dec_enter_map(&map, NULL);

  ok = find_int(&map, GKDC_COSE_KEY_KTY, &key->kty, &present) && present;
  ok = ok && find_bstr(&map, GKDC_COSE_KEY_KID, &key->kid);

  /* alg: an int, or a text name that no gkdc algorithm uses (ignored). */
  if (ok && gkdc_cbor_dec_map_find_int(&map, GKDC_COSE_KEY_ALG, &v)) {
    if (gkdc_cbor_dec_peek_type(&v) == GKDC_CBOR_TYPE_TSTR) {
      gkdc_cbor_dec_skip(&v);
    } else if (gkdc_cbor_dec_get_int(&v, &value) && value >= INT32_MIN &&
               value <= INT32_MAX) {
      key->has_alg = 1;
      key->alg = (int32_t)value;
    } else {
      ok = 0;
    }
  }

  if (ok && key->kty == GKDC_COSE_KTY_SYMMETRIC) {
    ok = find_bstr(&map, GKDC_COSE_KEY_K, &key->k);
    ok = ok && !gkdc_cbor_dec_map_find_int(&map, GKDC_COSE_KEY_X, &v) &&
         !gkdc_cbor_dec_map_find_int(&map, GKDC_COSE_KEY_Y, &v) &&
         !gkdc_cbor_dec_map_find_int(&map, GKDC_COSE_KEY_D, &v);
  } else if (ok) {
    ok = find_int(&map, GKDC_COSE_KEY_CRV, &key->crv, &has_crv);
    ok = ok && find_bstr(&map, GKDC_COSE_KEY_X, &key->x);
    /* A boolean y is the compressed point form, which is not supported. */
    ok = ok && find_bstr(&map, GKDC_COSE_KEY_Y, &key->y);
    ok = ok && find_bstr(&map, GKDC_COSE_KEY_D, &key->d);
  }

  if (gkdc_cbor_dec_error(&map) != GKDC_CBOR_OK &&
      gkdc_cbor_dec_error(&map) != GKDC_CBOR_ERR_TYPE) {
    gkdc_cbor_dec_set_error(d, gkdc_cbor_dec_error(&map));
    return GKDC_COSE_ERR_CBOR;
  }
  if (!ok)
    return GKDC_COSE_ERR_KEY;
  return check_key(key, has_crv);
}

enum gkdc_cose_err gkdc_cose_key_parse(const uint8_t *in, size_t len,
                                       struct gkdc_cose_key *key)
{
  struct gkdc_cbor_dec d;
  enum gkdc_cose_err err;

  if (key == NULL || (in == NULL && len > 0))
    return GKDC_COSE_ERR_INVALID;
  memset(key, 0, sizeof(*key));
  if (gkdc_cbor_dec_init(&d, in, len, NULL) != GKDC_CBOR_OK)
    return GKDC_COSE_ERR_CBOR;
  err = gkdc_cose_key_decode(&d, key);
  if (err == GKDC_COSE_OK && gkdc_cbor_dec_finish(&d) != GKDC_CBOR_OK)
    err = GKDC_COSE_ERR_CBOR;
  if (err != GKDC_COSE_OK)
    memset(key, 0, sizeof(*key));
  return err;
}

int gkdc_cose_key_public_raw(const struct gkdc_cose_key *key, uint8_t *out, size_t *len)
{
  size_t need;

  if (key == NULL || out == NULL || len == NULL || key->x.ptr == NULL)
    return 0;
  if (key->kty == GKDC_COSE_KTY_OKP) {
    if (*len < key->x.len)
      return 0;
    memcpy(out, key->x.ptr, key->x.len);
    *len = key->x.len;
    return 1;
  }
  if (key->kty != GKDC_COSE_KTY_EC2 || key->y.ptr == NULL)
    return 0;
  need = 1 + key->x.len + key->y.len;
  if (*len < need)
    return 0;
  out[0] = 0x04;
  memcpy(out + 1, key->x.ptr, key->x.len);
  memcpy(out + 1 + key->x.len, key->y.ptr, key->y.len);
  *len = need;
  return 1;
}

/* Puts one (label, bstr) pair if the bytes are set; returns pairs added. */
static size_t put_bstr_pair(struct gkdc_cbor_enc *e, int64_t label,
                            const struct gkdc_bytes *b)
{
  if (b->ptr == NULL)
    return 0;
  gkdc_cbor_enc_put_int(e, label);
  gkdc_cbor_enc_put_bstr(e, b->ptr, b->len);
  return 1;
}

void gkdc_cose_key_encode(struct gkdc_cbor_enc *e, const struct gkdc_cose_key *key)
{
  size_t mark = gkdc_cbor_enc_map_begin(e);
  size_t pairs = 1;

  gkdc_cbor_enc_put_uint(e, GKDC_COSE_KEY_KTY);
  gkdc_cbor_enc_put_int(e, key->kty);
  pairs += put_bstr_pair(e, GKDC_COSE_KEY_KID, &key->kid);
  if (key->has_alg) {
    gkdc_cbor_enc_put_uint(e, GKDC_COSE_KEY_ALG);
    gkdc_cbor_enc_put_int(e, key->alg);
    pairs++;
  }
  if (key->kty == GKDC_COSE_KTY_SYMMETRIC) {
    pairs += put_bstr_pair(e, GKDC_COSE_KEY_K, &key->k);
  } else {
    if (key->crv != 0) {
      gkdc_cbor_enc_put_int(e, GKDC_COSE_KEY_CRV);
      gkdc_cbor_enc_put_int(e, key->crv);
      pairs++;
    }
    pairs += put_bstr_pair(e, GKDC_COSE_KEY_X, &key->x);
    pairs += put_bstr_pair(e, GKDC_COSE_KEY_Y, &key->y);
    pairs += put_bstr_pair(e, GKDC_COSE_KEY_D, &key->d);
  }
  gkdc_cbor_enc_map_end(e, mark, pairs);
}
