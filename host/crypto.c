/*
 * The crypto adapter: one entry point per cryptographic operation, keyed by
 * COSE algorithm, hash or curve id. Each call finds the alg plugin that
 * serves the id through the finders of struct gkdc_crypto, checks that the
 * plugin's operation table has the operation, and calls it.
 *
 * libgkdc links no cryptographic library; everything here is dispatch.
 */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include <gkdc/alg.h>
#include <gkdc/crypto.h>

/* The operation table of a found provider, or NULL. */
static const struct gkdc_alg_ops *provider_ops(const struct gkdc_provider *p)
{
  const struct gkdc_alg_ops *ops = p->ops;

  if (ops == NULL || ops->size < offsetof(struct gkdc_alg_ops, random))
    return NULL;
  return ops;
}

static const struct gkdc_alg_ops *find_alg(const struct gkdc_crypto *cx,
                                           int32_t alg, struct gkdc_provider *p)
{
  memset(p, 0, sizeof(*p));
  if (cx == NULL || !GKDC_HAS_OP(cx, find_alg) || !cx->find_alg(cx->arg, alg, p))
    return NULL;
  return provider_ops(p);
}

static const struct gkdc_alg_ops *find_hkdf(const struct gkdc_crypto *cx,
                                            int32_t hash_alg,
                                            struct gkdc_provider *p)
{
  memset(p, 0, sizeof(*p));
  if (cx == NULL || !GKDC_HAS_OP(cx, find_hkdf) ||
      !cx->find_hkdf(cx->arg, hash_alg, p))
    return NULL;
  return provider_ops(p);
}

/* True when the table lists an ECDH entry for `curve` or a SIGN entry on it. */
static int ops_serve_curve(const struct gkdc_alg_ops *ops, int32_t curve)
{
  size_t i;

  if (ops == NULL || ops->algs == NULL)
    return 0;
  for (i = 0; i < ops->alg_count; i++) {
    const struct gkdc_alg_info *a = &ops->algs[i];

    if (a->cls == GKDC_ALG_ECDH && a->id == curve)
      return 1;
    if (a->cls == GKDC_ALG_SIGN && a->curve == curve)
      return 1;
  }
  return 0;
}

/* The signature algorithm on a curve, or 0 when the curve has none. */
static int32_t curve_sign_alg(int32_t curve)
{
  switch (curve) {
  case GKDC_COSE_CRV_ED25519:
    return GKDC_COSE_ALG_EDDSA;
  case GKDC_COSE_CRV_P256:
    return GKDC_COSE_ALG_ES256;
  default:
    return 0;
  }
}

static const struct gkdc_alg_ops *find_curve(const struct gkdc_crypto *cx,
                                             int32_t curve,
                                             struct gkdc_provider *p)
{
  const struct gkdc_alg_ops *ops;
  int32_t sign_alg;

  if (cx == NULL)
    return NULL;
  if (GKDC_HAS_OP(cx, find_curve)) {
    memset(p, 0, sizeof(*p));
    if (!cx->find_curve(cx->arg, curve, p))
      return NULL;
    return provider_ops(p);
  }

  /* No curve finder: curve ids share the number space of algorithm ids, so
   * accept what find_alg returns only if that plugin serves the curve. */
  ops = find_alg(cx, curve, p);
  if (ops_serve_curve(ops, curve))
    return ops;
  sign_alg = curve_sign_alg(curve);
  if (sign_alg == 0)
    return NULL;
  ops = find_alg(cx, sign_alg, p);
  return ops_serve_curve(ops, curve) ? ops : NULL;
}

static const struct gkdc_alg_ops *find_random(const struct gkdc_crypto *cx,
                                              struct gkdc_provider *p)
{
  if (cx == NULL)
    return NULL;
  if (GKDC_HAS_OP(cx, find_random)) {
    memset(p, 0, sizeof(*p));
    if (!cx->find_random(cx->arg, p))
      return NULL;
    return provider_ops(p);
  }
  return find_hkdf(cx, GKDC_COSE_ALG_SHA256, p);
}

/* ---- the single-provider adapter ---- */

/* The first entry of a table with this id and a class accepted by `match`. */
static const struct gkdc_alg_info *ops_find_info(const struct gkdc_alg_ops *ops,
                                                 int32_t id,
                                                 int (*match)(uint32_t cls))
{
  size_t i;

  if (ops == NULL || ops->algs == NULL)
    return NULL;
  for (i = 0; i < ops->alg_count; i++) {
    if (ops->algs[i].id == id && match(ops->algs[i].cls))
      return &ops->algs[i];
  }
  return NULL;
}

/* Classes keyed by a COSE algorithm id. */
static int is_alg_class(uint32_t cls)
{
  return cls != GKDC_ALG_HKDF && cls != GKDC_ALG_ECDH;
}

static int is_hkdf_class(uint32_t cls)
{
  return cls == GKDC_ALG_HKDF;
}

static int single_provide(void *arg, int ok, struct gkdc_provider *out)
{
  if (!ok || out == NULL)
    return 0;
  *out = *(const struct gkdc_provider *)arg;
  return 1;
}

static int single_find_alg(void *arg, int32_t cose_alg, struct gkdc_provider *out)
{
  const struct gkdc_provider *p = arg;

  return single_provide(arg, ops_find_info(provider_ops(p), cose_alg, is_alg_class) != NULL,
                        out);
}

static int single_find_hkdf(void *arg, int32_t cose_hash_alg,
                            struct gkdc_provider *out)
{
  const struct gkdc_provider *p = arg;

  return single_provide(
      arg, ops_find_info(provider_ops(p), cose_hash_alg, is_hkdf_class) != NULL, out);
}

static int single_find_curve(void *arg, int32_t cose_curve, struct gkdc_provider *out)
{
  const struct gkdc_provider *p = arg;

  return single_provide(arg, ops_serve_curve(provider_ops(p), cose_curve), out);
}

static int single_find_random(void *arg, struct gkdc_provider *out)
{
  const struct gkdc_provider *p = arg;

  return single_provide(arg, GKDC_HAS_OP(provider_ops(p), random), out);
}

void gkdc_crypto_init_single(struct gkdc_crypto *cx,
                             const struct gkdc_provider *provider)
{
  memset(cx, 0, sizeof(*cx));
  cx->size = sizeof(*cx);
  cx->arg = (void *)provider;
  cx->find_alg = single_find_alg;
  cx->find_hkdf = single_find_hkdf;
  cx->find_curve = single_find_curve;
  cx->find_random = single_find_random;
}

/* ---- lookups that need no provider call ---- */

const struct gkdc_alg_info *gkdc_crypto_alg_info_get0(const struct gkdc_crypto *cx,
                                                      int32_t cose_alg)
{
  struct gkdc_provider p;

  return ops_find_info(find_alg(cx, cose_alg, &p), cose_alg, is_alg_class);
}

int gkdc_crypto_hkdf_hash(int32_t hkdf_alg, int32_t *hash_alg)
{
  int32_t h;

  switch (hkdf_alg) {
  case GKDC_COSE_ALG_HMAC_256_256:
  case GKDC_COSE_ALG_HKDF_SHA256:
  case GKDC_COSE_ALG_SHA256:
    h = GKDC_COSE_ALG_SHA256;
    break;
  case GKDC_COSE_ALG_HMAC_512_512:
  case GKDC_COSE_ALG_HKDF_SHA512:
  case GKDC_COSE_ALG_SHA512:
    h = GKDC_COSE_ALG_SHA512;
    break;
  default:
    return 0;
  }
  if (hash_alg != NULL)
    *hash_alg = h;
  return 1;
}

/* ---- dispatch ---- */

int gkdc_crypto_random(const struct gkdc_crypto *cx, uint8_t *buf, size_t len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_random(cx, &p);

  if (!GKDC_HAS_OP(ops, random))
    return 0;
  return ops->random(p.state, buf, len);
}

int gkdc_crypto_sign(const struct gkdc_crypto *cx, int32_t alg,
                     const uint8_t *priv, size_t priv_len, const uint8_t *msg,
                     size_t msg_len, uint8_t *sig, size_t *sig_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, sign))
    return 0;
  return ops->sign(p.state, alg, priv, priv_len, msg, msg_len, sig, sig_len);
}

int gkdc_crypto_verify(const struct gkdc_crypto *cx, int32_t alg,
                       const uint8_t *pub, size_t pub_len, const uint8_t *msg,
                       size_t msg_len, const uint8_t *sig, size_t sig_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, verify))
    return 0;
  return ops->verify(p.state, alg, pub, pub_len, msg, msg_len, sig, sig_len);
}

int gkdc_crypto_aead_seal(const struct gkdc_crypto *cx, int32_t alg,
                          const uint8_t *key, size_t key_len,
                          const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *in,
                          size_t in_len, uint8_t *out, size_t *out_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, aead_seal))
    return 0;
  return ops->aead_seal(p.state, alg, key, key_len, nonce, nonce_len, aad,
                        aad_len, in, in_len, out, out_len);
}

int gkdc_crypto_aead_open(const struct gkdc_crypto *cx, int32_t alg,
                          const uint8_t *key, size_t key_len,
                          const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *in,
                          size_t in_len, uint8_t *out, size_t *out_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, aead_open))
    return 0;
  return ops->aead_open(p.state, alg, key, key_len, nonce, nonce_len, aad,
                        aad_len, in, in_len, out, out_len);
}

int gkdc_crypto_cipher(const struct gkdc_crypto *cx, int32_t alg,
                       const uint8_t *key, size_t key_len, const uint8_t *iv,
                       size_t iv_len, const uint8_t *in, uint8_t *out, size_t len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, cipher))
    return 0;
  return ops->cipher(p.state, alg, key, key_len, iv, iv_len, in, out, len);
}

int gkdc_crypto_mac(const struct gkdc_crypto *cx, int32_t alg,
                    const uint8_t *key, size_t key_len, const uint8_t *msg,
                    size_t msg_len, uint8_t *tag, size_t *tag_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, mac))
    return 0;
  return ops->mac(p.state, alg, key, key_len, msg, msg_len, tag, tag_len);
}

int gkdc_crypto_hash(const struct gkdc_crypto *cx, int32_t alg,
                     const uint8_t *msg, size_t msg_len, uint8_t *digest,
                     size_t *digest_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, alg, &p);

  if (!GKDC_HAS_OP(ops, hash))
    return 0;
  return ops->hash(p.state, alg, msg, msg_len, digest, digest_len);
}

int gkdc_crypto_hkdf(const struct gkdc_crypto *cx, int32_t hkdf_alg,
                     const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                     size_t ikm_len, const uint8_t *info, size_t info_len,
                     uint8_t *out, size_t out_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops;
  int32_t hash_alg;

  if (!gkdc_crypto_hkdf_hash(hkdf_alg, &hash_alg))
    return 0;
  ops = find_hkdf(cx, hash_alg, &p);
  if (!GKDC_HAS_OP(ops, hkdf))
    return 0;
  return ops->hkdf(p.state, hash_alg, salt, salt_len, ikm, ikm_len, info,
                   info_len, out, out_len);
}

int gkdc_crypto_keygen(const struct gkdc_crypto *cx, int32_t curve,
                       uint8_t *priv, size_t *priv_len, uint8_t *pub,
                       size_t *pub_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_curve(cx, curve, &p);

  if (!GKDC_HAS_OP(ops, keygen))
    return 0;
  return ops->keygen(p.state, curve, priv, priv_len, pub, pub_len);
}

int gkdc_crypto_public_from_private(const struct gkdc_crypto *cx, int32_t curve,
                                    const uint8_t *priv, size_t priv_len,
                                    uint8_t *pub, size_t *pub_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_curve(cx, curve, &p);

  if (!GKDC_HAS_OP(ops, public_from_private))
    return 0;
  return ops->public_from_private(p.state, curve, priv, priv_len, pub, pub_len);
}

int gkdc_crypto_ecdh(const struct gkdc_crypto *cx, int32_t curve,
                     const uint8_t *priv, size_t priv_len,
                     const uint8_t *peer_pub, size_t peer_pub_len,
                     uint8_t *secret, size_t *secret_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_curve(cx, curve, &p);

  if (!GKDC_HAS_OP(ops, ecdh))
    return 0;
  return ops->ecdh(p.state, curve, priv, priv_len, peer_pub, peer_pub_len,
                   secret, secret_len);
}

int gkdc_crypto_ed25519_pub_to_x25519(const struct gkdc_crypto *cx,
                                      const uint8_t ed_pub[32], uint8_t x_pub[32])
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_curve(cx, GKDC_COSE_CRV_ED25519, &p);

  if (!GKDC_HAS_OP(ops, ed25519_pub_to_x25519))
    return 0;
  return ops->ed25519_pub_to_x25519(p.state, ed_pub, x_pub);
}

int gkdc_crypto_ed25519_priv_to_x25519(const struct gkdc_crypto *cx,
                                       const uint8_t ed_seed[32],
                                       uint8_t x_priv[32])
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_curve(cx, GKDC_COSE_CRV_ED25519, &p);

  if (!GKDC_HAS_OP(ops, ed25519_priv_to_x25519))
    return 0;
  return ops->ed25519_priv_to_x25519(p.state, ed_seed, x_priv);
}

int gkdc_crypto_ecdsa_raw_to_der(const struct gkdc_crypto *cx,
                                 const uint8_t *raw, size_t raw_len,
                                 uint8_t *der, size_t *der_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, GKDC_COSE_ALG_ES256, &p);

  if (!GKDC_HAS_OP(ops, ecdsa_raw_to_der))
    return 0;
  return ops->ecdsa_raw_to_der(p.state, raw, raw_len, der, der_len);
}

int gkdc_crypto_ecdsa_der_to_raw(const struct gkdc_crypto *cx,
                                 const uint8_t *der, size_t der_len,
                                 uint8_t *raw, size_t *raw_len)
{
  struct gkdc_provider p;
  const struct gkdc_alg_ops *ops = find_alg(cx, GKDC_COSE_ALG_ES256, &p);

  if (!GKDC_HAS_OP(ops, ecdsa_der_to_raw))
    return 0;
  return ops->ecdsa_der_to_raw(p.state, der, der_len, raw, raw_len);
}

void gkdc_wipe(void *p, size_t len)
{
  volatile unsigned char *v = p;

  if (v == NULL)
    return;
  while (len-- > 0)
    *v++ = 0;
}
