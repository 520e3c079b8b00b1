/*
 * Ed25519 (RFC 8032) and X25519 (RFC 7748) for the alg-boringssl plugin,
 * and the mapping of Ed25519 keys to X25519 keys that Group OSCORE uses for
 * pairwise keys with Ed25519 credentials.
 *
 * Ed25519 private keys are 32-byte seeds; BoringSSL's 64-byte expanded form
 * (seed || public key) exists only inside these functions and is wiped.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "alg_internal.h"

/* p = 2^255 - 19 and the Edwards curve constant d = -121665/121666 mod p
 * (RFC 8032 section 5.1), big-endian hex. */
static const char curve25519_p_hex[] =
    "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
static const char ed25519_d_hex[] =
    "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";

int alg_ed25519_sign(const uint8_t seed[32], const uint8_t *msg,
                     size_t msg_len, uint8_t sig[64])
{
  uint8_t pub[32];
  uint8_t expanded[64];
  int ok;

  ED25519_keypair_from_seed(pub, expanded, seed);
  ok = ED25519_sign(sig, msg, msg_len, expanded);
  OPENSSL_cleanse(expanded, sizeof(expanded));
  return ok == 1;
}

int alg_ed25519_verify(const uint8_t pub[32], const uint8_t *msg,
                       size_t msg_len, const uint8_t sig[64])
{
  return ED25519_verify(msg, msg_len, sig, pub) == 1;
}

int alg_ed25519_keygen(uint8_t *seed, uint8_t *pub)
{
  if (!RAND_bytes(seed, 32))
    return 0;
  return alg_ed25519_public_from_private(seed, pub);
}

int alg_ed25519_public_from_private(const uint8_t *seed, uint8_t *pub)
{
  uint8_t expanded[64];

  ED25519_keypair_from_seed(pub, expanded, seed);
  OPENSSL_cleanse(expanded, sizeof(expanded));
  return 1;
}

int alg_x25519_keygen(uint8_t *priv, uint8_t *pub)
{
  X25519_keypair(pub, priv);
  return 1;
}

int alg_x25519_public_from_private(const uint8_t *priv, uint8_t *pub)
{
  X25519_public_from_private(pub, priv);
  return 1;
}

int alg_x25519_ecdh(const uint8_t priv[32], const uint8_t peer[32],
                    uint8_t secret[32])
{
  uint8_t z[32];
  int ok;

  /* X25519 returns 0 when the result is all zeros, which happens exactly
   * for small-order peer points (RFC 7748 section 6.1). */
  ok = X25519(z, priv, peer) == 1;
  if (ok)
    memcpy(secret, z, sizeof(z));
  OPENSSL_cleanse(z, sizeof(z));
  return ok;
}

/*
 * Computes the Montgomery u = (1 + y) / (1 - y) mod p of an encoded Ed25519
 * public key (RFC 7748 section 4.1). The key is decoded as in RFC 8032
 * section 5.1.3: y must be below p and x^2 = (y^2 - 1) / (d y^2 + 1) must
 * be a square, with x = 0 only when the sign bit is clear. The identity
 * (y = 1, u undefined) and points that map to u = 0 are rejected as well:
 * they have small order and are useless for Diffie-Hellman.
 */
int alg_ed25519_pub_to_x25519(const uint8_t ed_pub[32], uint8_t x_pub[32])
{
  uint8_t enc[32];
  int sign, ok = 0;
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *p = NULL, *d = NULL, *y, *y2, *num, *den, *x2, *e, *t, *u;

  if (ctx == NULL)
    return 0;
  BN_CTX_start(ctx);
  y = BN_CTX_get(ctx);
  y2 = BN_CTX_get(ctx);
  num = BN_CTX_get(ctx);
  den = BN_CTX_get(ctx);
  x2 = BN_CTX_get(ctx);
  e = BN_CTX_get(ctx);
  t = BN_CTX_get(ctx);
  u = BN_CTX_get(ctx);
  if (u == NULL || !BN_hex2bn(&p, curve25519_p_hex) ||
      !BN_hex2bn(&d, ed25519_d_hex))
    goto out;

  /* Split the encoding into the sign bit of x and the little-endian y. */
  memcpy(enc, ed_pub, sizeof(enc));
  sign = enc[31] >> 7;
  enc[31] &= 0x7f;
  if (BN_le2bn(enc, sizeof(enc), y) == NULL || BN_cmp(y, p) >= 0)
    goto out;

  /* x^2 = (y^2 - 1) / (d y^2 + 1); d y^2 + 1 is never 0 because -1/d is not
   * a square mod p, and BN_mod_inverse fails if it were. */
  if (!BN_mod_sqr(y2, y, p, ctx) || !BN_copy(num, y2) ||
      !BN_sub_word(num, 1) || !BN_nnmod(num, num, p, ctx) ||
      !BN_mod_mul(den, d, y2, p, ctx) || !BN_add_word(den, 1) ||
      !BN_nnmod(den, den, p, ctx) || BN_mod_inverse(t, den, p, ctx) == NULL ||
      !BN_mod_mul(x2, num, t, p, ctx))
    goto out;

  if (BN_is_zero(x2)) {
    if (sign)
      goto out;
  } else {
    /* Euler's criterion: x2 is a square iff x2^((p-1)/2) = 1. */
    if (!BN_copy(e, p) || !BN_sub_word(e, 1) || !BN_rshift1(e, e) ||
        !BN_mod_exp(t, x2, e, p, ctx) || !BN_is_one(t))
      goto out;
  }

  /* u = (1 + y) / (1 - y) mod p. */
  if (!BN_set_word(t, 1) || !BN_mod_sub(den, t, y, p, ctx) || BN_is_zero(den))
    goto out;
  if (BN_mod_inverse(den, den, p, ctx) == NULL || !BN_mod_add(num, t, y, p, ctx) ||
      !BN_mod_mul(u, num, den, p, ctx) || BN_is_zero(u))
    goto out;
  if (!BN_bn2le_padded(x_pub, 32, u))
    goto out;
  ok = 1;

out:
  BN_free(p);
  BN_free(d);
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  if (!ok)
    ERR_clear_error();
  return ok;
}

/* The X25519 scalar of an Ed25519 seed: the first half of SHA-512(seed),
 * clamped (RFC 8032 section 5.1.5, RFC 7748 section 5). */
int alg_ed25519_priv_to_x25519(const uint8_t ed_seed[32], uint8_t x_priv[32])
{
  uint8_t h[SHA512_DIGEST_LENGTH];

  SHA512(ed_seed, 32, h);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  memcpy(x_priv, h, 32);
  OPENSSL_cleanse(h, sizeof(h));
  return 1;
}
