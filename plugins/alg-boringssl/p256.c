/*
 * NIST P-256 for the alg-boringssl plugin: ES256 with raw r || s signatures,
 * conversion between raw and DER signatures, ECDH (SP 800-56A; the cofactor
 * of P-256 is 1, so cofactor DH is plain DH) and key handling.
 *
 * Private keys are 32-byte big-endian scalars in [1, n-1]; public keys are
 * SEC 1 points, 65 bytes uncompressed (04 || x || y) or, on input only,
 * 33 bytes compressed. EC_POINT_oct2point rejects points off the curve.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdh.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/sha.h>

#include "alg_internal.h"

#define P256_SCALAR_LEN 32

static const EC_GROUP *p256_group(void)
{
  /* BoringSSL returns a static group that needs no EC_GROUP_free. */
  return EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

/*
 * Builds a key from a private scalar, rejecting 0 and values >= n, and sets
 * its public point. Returns NULL on failure.
 */
static EC_KEY *p256_key_from_private(const uint8_t priv[ALG_P256_PRIV_LEN])
{
  const EC_GROUP *group = p256_group();
  EC_KEY *key = NULL;
  EC_POINT *pub = NULL;
  BIGNUM *d = NULL;
  int ok = 0;

  if (group == NULL)
    return NULL;
  d = BN_bin2bn(priv, ALG_P256_PRIV_LEN, NULL);
  if (d == NULL || BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
    goto out;

  key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  pub = EC_POINT_new(group);
  if (key == NULL || pub == NULL)
    goto out;
  if (!EC_KEY_set_private_key(key, d))
    goto out;
  if (!EC_POINT_mul(group, pub, d, NULL, NULL, NULL) ||
      !EC_KEY_set_public_key(key, pub))
    goto out;
  ok = 1;

out:
  BN_clear_free(d);
  EC_POINT_free(pub);
  if (!ok) {
    EC_KEY_free(key);
    key = NULL;
    ERR_clear_error();
  }
  return key;
}

/* Decodes a peer point of 65 or 33 bytes. Returns NULL for an invalid
 * encoding, a point off the curve or the point at infinity. */
static EC_POINT *p256_point_decode(const uint8_t *pub, size_t pub_len)
{
  const EC_GROUP *group = p256_group();
  EC_POINT *point;

  if (group == NULL || pub == NULL)
    return NULL;
  if (pub_len != ALG_P256_PUB_LEN && pub_len != ALG_P256_PUB_COMPRESSED_LEN)
    return NULL;
  point = EC_POINT_new(group);
  if (point == NULL)
    return NULL;
  if (!EC_POINT_oct2point(group, point, pub, pub_len, NULL) ||
      EC_POINT_is_at_infinity(group, point)) {
    EC_POINT_free(point);
    ERR_clear_error();
    return NULL;
  }
  return point;
}

static int p256_point_encode(const EC_POINT *point, uint8_t pub[ALG_P256_PUB_LEN])
{
  return EC_POINT_point2oct(p256_group(), point, POINT_CONVERSION_UNCOMPRESSED,
                            pub, ALG_P256_PUB_LEN, NULL) == ALG_P256_PUB_LEN;
}

int alg_p256_sign(const uint8_t *priv, const uint8_t *msg, size_t msg_len,
                  uint8_t sig[ALG_P256_SIG_LEN])
{
  uint8_t digest[SHA256_DIGEST_LENGTH];
  EC_KEY *key;
  ECDSA_SIG *ecdsa_sig = NULL;
  int ok = 0;

  key = p256_key_from_private(priv);
  if (key == NULL)
    return 0;

  SHA256(msg, msg_len, digest);
  ecdsa_sig = ECDSA_do_sign(digest, sizeof(digest), key);
  if (ecdsa_sig == NULL)
    goto out;
  if (!BN_bn2bin_padded(sig, P256_SCALAR_LEN, ECDSA_SIG_get0_r(ecdsa_sig)) ||
      !BN_bn2bin_padded(sig + P256_SCALAR_LEN, P256_SCALAR_LEN,
                        ECDSA_SIG_get0_s(ecdsa_sig)))
    goto out;
  ok = 1;

out:
  ECDSA_SIG_free(ecdsa_sig);
  EC_KEY_free(key);
  if (!ok)
    ERR_clear_error();
  return ok;
}

/* Builds an ECDSA_SIG from raw r || s. */
static ECDSA_SIG *ecdsa_sig_from_raw(const uint8_t raw[ALG_P256_SIG_LEN])
{
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(raw, P256_SCALAR_LEN, NULL);
  BIGNUM *s = BN_bin2bn(raw + P256_SCALAR_LEN, P256_SCALAR_LEN, NULL);

  if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return NULL;
  }
  return sig;
}

int alg_p256_verify(const uint8_t *pub, size_t pub_len, const uint8_t *msg,
                    size_t msg_len, const uint8_t sig[ALG_P256_SIG_LEN])
{
  uint8_t digest[SHA256_DIGEST_LENGTH];
  EC_KEY *key = NULL;
  EC_POINT *point = NULL;
  ECDSA_SIG *ecdsa_sig = NULL;
  int ok = 0;

  point = p256_point_decode(pub, pub_len);
  if (point == NULL)
    return 0;
  key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  if (key == NULL || !EC_KEY_set_public_key(key, point))
    goto out;
  ecdsa_sig = ecdsa_sig_from_raw(sig);
  if (ecdsa_sig == NULL)
    goto out;

  /* ECDSA_do_verify rejects r and s outside [1, n-1]. */
  SHA256(msg, msg_len, digest);
  ok = ECDSA_do_verify(digest, sizeof(digest), ecdsa_sig, key) == 1;

out:
  ECDSA_SIG_free(ecdsa_sig);
  EC_KEY_free(key);
  EC_POINT_free(point);
  ERR_clear_error();
  return ok;
}

int alg_p256_keygen(uint8_t *priv, uint8_t *pub)
{
  EC_KEY *key = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  int ok = 0;

  if (key == NULL || !EC_KEY_generate_key(key))
    goto out;
  if (!p256_point_encode(EC_KEY_get0_public_key(key), pub))
    goto out;
  if (!BN_bn2bin_padded(priv, ALG_P256_PRIV_LEN, EC_KEY_get0_private_key(key)))
    goto out;
  ok = 1;

out:
  EC_KEY_free(key);
  if (!ok) {
    OPENSSL_cleanse(priv, ALG_P256_PRIV_LEN);
    ERR_clear_error();
  }
  return ok;
}

int alg_p256_public_from_private(const uint8_t *priv, uint8_t *pub)
{
  EC_KEY *key = p256_key_from_private(priv);
  int ok;

  if (key == NULL)
    return 0;
  ok = p256_point_encode(EC_KEY_get0_public_key(key), pub);
  EC_KEY_free(key);
  return ok;
}

int alg_p256_ecdh(const uint8_t priv[ALG_P256_PRIV_LEN], const uint8_t *peer,
                  size_t peer_len, uint8_t secret[32])
{
  uint8_t z[P256_SCALAR_LEN];
  EC_KEY *key = NULL;
  EC_POINT *point = NULL;
  int ok = 0;

  point = p256_point_decode(peer, peer_len);
  if (point == NULL)
    return 0;
  key = p256_key_from_private(priv);
  if (key == NULL)
    goto out;

  /* The shared secret Z is the x coordinate of d * Q (SP 800-56A). */
  if (ECDH_compute_key(z, sizeof(z), point, key, NULL) != (int)sizeof(z))
    goto out;
  memcpy(secret, z, sizeof(z));
  ok = 1;

out:
  OPENSSL_cleanse(z, sizeof(z));
  EC_KEY_free(key);
  EC_POINT_free(point);
  if (!ok)
    ERR_clear_error();
  return ok;
}

int alg_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der,
                         size_t *der_len)
{
  ECDSA_SIG *ecdsa_sig;
  uint8_t *buf = NULL;
  size_t len = 0;
  int ok = 0;

  if (raw == NULL || raw_len != ALG_P256_SIG_LEN || der == NULL || der_len == NULL)
    return 0;
  ecdsa_sig = ecdsa_sig_from_raw(raw);
  if (ecdsa_sig == NULL)
    return 0;
  if (!ECDSA_SIG_to_bytes(&buf, &len, ecdsa_sig))
    goto out;
  if (len > *der_len)
    goto out;
  memcpy(der, buf, len);
  *der_len = len;
  ok = 1;

out:
  OPENSSL_free(buf);
  ECDSA_SIG_free(ecdsa_sig);
  if (!ok)
    ERR_clear_error();
  return ok;
}

int alg_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw,
                         size_t *raw_len)
{
  ECDSA_SIG *ecdsa_sig;
  uint8_t tmp[ALG_P256_SIG_LEN];
  int ok = 0;

  if (der == NULL || raw == NULL || raw_len == NULL || *raw_len < ALG_P256_SIG_LEN)
    return 0;

  /* ECDSA_SIG_from_bytes accepts strict DER only: no trailing bytes, no
   * negative or non-minimal integers. */
  ecdsa_sig = ECDSA_SIG_from_bytes(der, der_len);
  if (ecdsa_sig == NULL)
    goto out;
  if (!BN_bn2bin_padded(tmp, P256_SCALAR_LEN, ECDSA_SIG_get0_r(ecdsa_sig)) ||
      !BN_bn2bin_padded(tmp + P256_SCALAR_LEN, P256_SCALAR_LEN, ECDSA_SIG_get0_s(ecdsa_sig)))
    goto out;
  memcpy(raw, tmp, sizeof(tmp));
  *raw_len = ALG_P256_SIG_LEN;
  ok = 1;

out:
  ECDSA_SIG_free(ecdsa_sig);
  if (!ok)
    ERR_clear_error();
  return ok;
}
