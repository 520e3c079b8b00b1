/*
 * COSE_Key decoding and public key checks for CCS credentials.
 *
 * Only public keys of Ed25519 and X25519 (kty OKP) and P-256 (kty EC2) are
 * accepted, because those are the curves of the Group OSCORE algorithms
 * gkdc implements. The public key is returned in the raw encoding of
 * <gkdc/alg.h>: 32 bytes for the OKP curves, and for P-256 04 || x || y,
 * or the SEC 1 compressed 02 || x or 03 || x when the COSE_Key gives y as
 * its sign bit.
 */
#include <string.h>

#include <gkdc/alg.h>

#include "ccs.h"

/* COSE_Key parameter labels (RFC 9052 section 7.1, RFC 9053 section 7). */
#define KEY_KTY 1
#define KEY_KID 2
#define KEY_ALG 3
#define KEY_OPS 4
#define KEY_CRV (-1)
#define KEY_X (-2)
#define KEY_Y (-3)
#define KEY_D (-4)

#define COORD_LEN 32

/* Reads an integer parameter. A text string value (a name rather than a
 * registered number) is well-formed COSE but unsupported here. */
static int read_int_param(struct gkdc_cbor_dec *v, int64_t *out, int *err)
{
  enum gkdc_cbor_type t = gkdc_cbor_dec_peek_type(v);

  if (t == GKDC_CBOR_TYPE_TSTR) {
    *err = GKDC_CRED_ERR_UNSUPPORTED_KEY;
    return 0;
  }
  if (!gkdc_cbor_dec_get_int(v, out)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  return 1;
}

/* Reads a byte string parameter of exactly `len` bytes into `out`. */
static int read_coord(struct gkdc_cbor_dec *v, uint8_t *out, int *err)
{
  struct gkdc_bytes b;

  if (!gkdc_cbor_dec_get_bstr(v, &b)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  if (b.len != COORD_LEN) {
    *err = GKDC_CRED_ERR_INVALID_KEY;
    return 0;
  }
  memcpy(out, b.ptr, COORD_LEN);
  return 1;
}

/* 1 when `alg` is a COSE signature or ECDH algorithm that gkdc implements
 * or recognizes (ES384 and ES512). */
static int alg_is_known(int64_t alg)
{
  return alg == GKDC_COSE_ALG_ES256 || alg == GKDC_COSE_ALG_EDDSA ||
         alg == -9 /* ESP256 */ || alg == -19 /* Ed25519 */ ||
         alg == -35 /* ES384 */ || alg == -36 /* ES512 */ ||
         (alg <= -25 && alg >= -34) /* ECDH-ES, ECDH-SS variants */;
}

/* 1 when `alg` may be used with a key on `curve`. */
static int alg_fits_curve(int64_t alg, int32_t curve)
{
  int ecdh = alg <= -25 && alg >= -34;

  switch (curve) {
  case GKDC_COSE_CRV_ED25519:
    return alg == GKDC_COSE_ALG_EDDSA || alg == -19;
  case GKDC_COSE_CRV_X25519:
    return ecdh;
  case GKDC_COSE_CRV_P256:
    return alg == GKDC_COSE_ALG_ES256 || alg == -9 || ecdh;
  default:
    return 0;
  }
}

/* The algorithm a key without `alg` is used with. */
static int32_t default_alg(int32_t curve)
{
  if (curve == GKDC_COSE_CRV_ED25519)
    return GKDC_COSE_ALG_EDDSA;
  if (curve == GKDC_COSE_CRV_P256)
    return GKDC_COSE_ALG_ES256;
  return 0;
}

/* Decodes kty, crv, x and y for an OKP key. */
static int decode_okp(struct gkdc_cbor_dec *d, struct ccs_key *key, int *err)
{
  struct gkdc_cbor_dec v;
  int64_t crv;

  if (!gkdc_cbor_dec_map_find_int(d, KEY_CRV, &v)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  if (!read_int_param(&v, &crv, err))
    return 0;
  if (crv != GKDC_COSE_CRV_ED25519 && crv != GKDC_COSE_CRV_X25519) {
    *err = GKDC_CRED_ERR_UNSUPPORTED_KEY;
    return 0;
  }
  key->curve = (int32_t)crv;

  if (gkdc_cbor_dec_map_find_int(d, KEY_Y, &v)) {
    *err = GKDC_CRED_ERR_MALFORMED; /* OKP keys have no y */
    return 0;
  }
  if (!gkdc_cbor_dec_map_find_int(d, KEY_X, &v)) {
    *err = GKDC_CRED_ERR_NO_KEY;
    return 0;
  }
  if (!read_coord(&v, key->pub, err))
    return 0;
  key->pub_len = COORD_LEN;
  return 1;
}

/* Decodes kty, crv, x and y for an EC2 key. */
static int decode_ec2(struct gkdc_cbor_dec *d, struct ccs_key *key, int *err)
{
  struct gkdc_cbor_dec v;
  enum gkdc_cbor_type type;
  int64_t crv;

  if (!gkdc_cbor_dec_map_find_int(d, KEY_CRV, &v)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }
  if (!read_int_param(&v, &crv, err))
    return 0;
  if (crv != GKDC_COSE_CRV_P256) {
    *err = GKDC_CRED_ERR_UNSUPPORTED_KEY;
    return 0;
  }
  key->curve = GKDC_COSE_CRV_P256;

  if (!gkdc_cbor_dec_map_find_int(d, KEY_X, &v)) {
    *err = GKDC_CRED_ERR_NO_KEY;
    return 0;
  }
  key->pub[0] = 0x04;
  if (!read_coord(&v, key->pub + 1, err))
    return 0;

  if (!gkdc_cbor_dec_map_find_int(d, KEY_Y, &v)) {
    *err = GKDC_CRED_ERR_NO_KEY;
    return 0;
  }
  /* y as a bool is the sign bit of a compressed point (RFC 9053 section
   * 7.1.1): true for odd y, SEC 1 prefix 03. */
  type = gkdc_cbor_dec_peek_type(&v);
  if (type == GKDC_CBOR_TYPE_TRUE || type == GKDC_CBOR_TYPE_FALSE) {
    key->pub[0] = type == GKDC_CBOR_TYPE_TRUE ? 0x03 : 0x02;
    key->pub_len = 1 + COORD_LEN;
    return gkdc_cbor_dec_skip(&v);
  }
  if (!read_coord(&v, key->pub + 1 + COORD_LEN, err))
    return 0;
  key->pub_len = 1 + 2 * COORD_LEN;
  return 1;
}

int ccs_cose_key_decode(struct gkdc_cbor_dec *d, struct ccs_key *key, int *err)
{
  struct gkdc_cbor_dec v;
  int64_t kty = 0;
  int64_t alg = 0;
  int ok = 0;

  memset(key, 0, sizeof(*key));
  if (!gkdc_cbor_dec_enter_map(d, NULL)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    return 0;
  }

  /* A credential is public: a private key in it is a leak, not a key. */
  if (gkdc_cbor_dec_map_find_int(d, KEY_D, &v)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    goto out;
  }

  if (!gkdc_cbor_dec_map_find_int(d, KEY_KTY, &v)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    goto out;
  }
  if (!read_int_param(&v, &kty, err))
    goto out;

  if (gkdc_cbor_dec_map_find_int(d, KEY_KID, &v)) {
    if (!gkdc_cbor_dec_get_bstr(&v, &key->kid)) {
      *err = GKDC_CRED_ERR_MALFORMED;
      goto out;
    }
    key->has_kid = 1;
  }

  if (gkdc_cbor_dec_map_find_int(d, KEY_OPS, &v) &&
      gkdc_cbor_dec_peek_type(&v) != GKDC_CBOR_TYPE_ARRAY) {
    *err = GKDC_CRED_ERR_MALFORMED;
    goto out;
  }

  if (kty == GKDC_COSE_KTY_OKP) {
    if (!decode_okp(d, key, err))
      goto out;
  } else if (kty == GKDC_COSE_KTY_EC2) {
    if (!decode_ec2(d, key, err))
      goto out;
  } else {
    *err = GKDC_CRED_ERR_UNSUPPORTED_KEY;
    goto out;
  }
  key->kty = (int32_t)kty;

  if (gkdc_cbor_dec_map_find_int(d, KEY_ALG, &v)) {
    if (!read_int_param(&v, &alg, err))
      goto out;
    if (!alg_is_known(alg)) {
      *err = GKDC_CRED_ERR_UNSUPPORTED_KEY;
      goto out;
    }
    if (!alg_fits_curve(alg, key->curve)) {
      *err = GKDC_CRED_ERR_INVALID_KEY;
      goto out;
    }
    key->alg = (int32_t)alg;
    key->alg_stated = 1;
  } else {
    key->alg = default_alg(key->curve);
  }

  if (!gkdc_cbor_dec_exit(d)) {
    *err = GKDC_CRED_ERR_MALFORMED;
    goto out;
  }
  ok = 1;

out:
  return ok;
}

int ccs_key_check_point(const struct gkdc_crypto *cx, const struct ccs_key *key,
                        int *err)
{
  /* The scalar 1: ECDH with it returns the peer point's x coordinate after
   * the provider validated the point (P-256 decoding rejects points off the
   * curve and compressed x without a y), so it is a point check at the cost
   * of one multiplication. */
  static const uint8_t one[32] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
  };
  uint8_t x[32];
  size_t x_len = sizeof(x);

  /* Any 32 bytes are an X25519 public key (RFC 7748 section 5); a
   * small-order one is caught when ECDH returns all zeros. */
  if (key->curve == GKDC_COSE_CRV_X25519)
    return 1;
  if (cx == NULL) {
    *err = GKDC_CRED_ERR_INTERNAL;
    return 0;
  }

  /* The Ed25519 to X25519 map decodes the point as RFC 8032 section
   * 5.1.3 does (y < p, x recoverable, sign bit consistent) and rejects
   * y = 1 and y = -1, whose points have small order. */
  if (key->curve == GKDC_COSE_CRV_ED25519) {
    if (!gkdc_crypto_ed25519_pub_to_x25519(cx, key->pub, x)) {
      *err = GKDC_CRED_ERR_INVALID_KEY;
      return 0;
    }
    return 1;
  }

  if (!gkdc_crypto_ecdh(cx, GKDC_COSE_CRV_P256, one, sizeof(one), key->pub,
                        key->pub_len, x, &x_len) ||
      x_len != COORD_LEN || memcmp(x, key->pub + 1, COORD_LEN) != 0) {
    *err = GKDC_CRED_ERR_INVALID_KEY;
    return 0;
  }
  return 1;
}
