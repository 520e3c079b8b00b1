/*
 * alg-boringssl: the gkdc alg plugin on BoringSSL (android-libboringssl on
 * Debian 12). It implements every COSE algorithm gkdc uses: EdDSA (Ed25519),
 * ES256, ECDH on X25519 and P-256, the AES-CCM, AES-GCM and
 * ChaCha20/Poly1305 AEADs, A128CTR, HMAC, SHA-2, HKDF and random bytes.
 *
 * This file contains the algorithm table, the operation table that checks
 * lengths and dispatches to the per-concept files, and the plugin descriptor.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <gkdc/alg.h>
#include <gkdc/host.h>
#include <gkdc/plugin.h>

#include "alg_internal.h"

#define PLUGIN_NAME "alg-boringssl"

/* Per-instance state returned by init. */
struct alg_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
};

/* Sizes in bytes: key (private key for SIGN and ECDH), nonce, tag, sig. */
static const struct gkdc_alg_info alg_table[] = {
    {GKDC_COSE_ALG_EDDSA, GKDC_ALG_SIGN, "EdDSA", 32, 0, 0, 64, GKDC_COSE_CRV_ED25519},
    {GKDC_COSE_ALG_ES256, GKDC_ALG_SIGN, "ES256", 32, 0, 0, 64, GKDC_COSE_CRV_P256},
    {GKDC_COSE_ALG_AES_CCM_16_64_128, GKDC_ALG_AEAD, "AES-CCM-16-64-128", 16, 13, 8, 0, 0},
    {GKDC_COSE_ALG_AES_CCM_16_128_128, GKDC_ALG_AEAD, "AES-CCM-16-128-128", 16, 13, 16, 0, 0},
    {GKDC_COSE_ALG_A128GCM, GKDC_ALG_AEAD, "A128GCM", 16, 12, 16, 0, 0},
    {GKDC_COSE_ALG_A256GCM, GKDC_ALG_AEAD, "A256GCM", 32, 12, 16, 0, 0},
    {GKDC_COSE_ALG_CHACHA20_POLY1305, GKDC_ALG_AEAD, "ChaCha20/Poly1305", 32, 12, 16, 0, 0},
    {GKDC_COSE_ALG_A128CTR, GKDC_ALG_CIPHER, "A128CTR", 16, 16, 0, 0, 0},
    {GKDC_COSE_ALG_HMAC_256_64, GKDC_ALG_MAC, "HMAC 256/64", 32, 0, 8, 0, 0},
    {GKDC_COSE_ALG_HMAC_256_256, GKDC_ALG_MAC, "HMAC 256/256", 32, 0, 32, 0, 0},
    {GKDC_COSE_ALG_HMAC_512_512, GKDC_ALG_MAC, "HMAC 512/512", 64, 0, 64, 0, 0},
    {GKDC_COSE_ALG_SHA256, GKDC_ALG_HASH, "SHA-256", 0, 0, 32, 0, 0},
    {GKDC_COSE_ALG_SHA512, GKDC_ALG_HASH, "SHA-512", 0, 0, 64, 0, 0},
    {GKDC_COSE_ALG_SHA256, GKDC_ALG_HKDF, "HKDF-SHA-256", 0, 0, 32, 0, 0},
    {GKDC_COSE_ALG_SHA512, GKDC_ALG_HKDF, "HKDF-SHA-512", 0, 0, 64, 0, 0},
    /* ECDH entries are keyed by curve id; tag_len is the shared secret size. */
    {GKDC_COSE_CRV_X25519, GKDC_ALG_ECDH, "ECDH X25519", 32, 0, 32, 0, GKDC_COSE_CRV_X25519},
    {GKDC_COSE_CRV_P256, GKDC_ALG_ECDH, "ECDH P-256", 32, 0, 32, 0, GKDC_COSE_CRV_P256},
};

#define ALG_COUNT (sizeof(alg_table) / sizeof(alg_table[0]))

const struct gkdc_alg_info *alg_info_find(int32_t id, uint32_t cls)
{
  size_t i;

  for (i = 0; i < ALG_COUNT; i++) {
    if (alg_table[i].id == id && alg_table[i].cls == cls)
      return &alg_table[i];
  }
  return NULL;
}

/* Key operations of one curve. Every private key is 32 bytes. */
struct curve_keys {
  int32_t curve;
  size_t pub_len;
  int (*keygen)(uint8_t *priv, uint8_t *pub);
  int (*public_from_private)(const uint8_t *priv, uint8_t *pub);
};

static const struct curve_keys curve_table[] = {
    {GKDC_COSE_CRV_P256, ALG_P256_PUB_LEN, alg_p256_keygen, alg_p256_public_from_private},
    {GKDC_COSE_CRV_X25519, 32, alg_x25519_keygen, alg_x25519_public_from_private},
    {GKDC_COSE_CRV_ED25519, 32, alg_ed25519_keygen, alg_ed25519_public_from_private},
};

#define CURVE_PRIV_LEN 32

static const struct curve_keys *curve_keys_find(int32_t curve)
{
  size_t i;

  for (i = 0; i < sizeof(curve_table) / sizeof(curve_table[0]); i++) {
    if (curve_table[i].curve == curve)
      return &curve_table[i];
  }
  return NULL;
}

static int op_random(void *st, uint8_t *buf, size_t len)
{
  if (len == 0)
    return 1;
  if (buf == NULL)
    return 0;
  return RAND_bytes(buf, len) == 1;
}

static int op_sign(void *st, int32_t alg, const uint8_t *priv, size_t priv_len,
                   const uint8_t *msg, size_t msg_len, uint8_t *sig,
                   size_t *sig_len)
{
  const struct gkdc_alg_info *info = alg_info_find(alg, GKDC_ALG_SIGN);
  uint8_t out[64];
  int ok = 0;

  if (info == NULL || priv == NULL || priv_len != info->key_len)
    return 0;
  if (sig == NULL || sig_len == NULL || *sig_len < info->sig_len)
    return 0;
  if (msg == NULL && msg_len != 0)
    return 0;
  if (msg == NULL)
    msg = (const uint8_t *)"";

  if (alg == GKDC_COSE_ALG_EDDSA)
    ok = alg_ed25519_sign(priv, msg, msg_len, out);
  else
    ok = alg_p256_sign(priv, msg, msg_len, out);
  if (ok) {
    memcpy(sig, out, info->sig_len);
    *sig_len = info->sig_len;
  }
  return ok;
}

static int op_verify(void *st, int32_t alg, const uint8_t *pub, size_t pub_len,
                     const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                     size_t sig_len)
{
  const struct gkdc_alg_info *info = alg_info_find(alg, GKDC_ALG_SIGN);

  if (info == NULL || pub == NULL || sig == NULL || sig_len != info->sig_len)
    return 0;
  if (msg == NULL && msg_len != 0)
    return 0;
  if (msg == NULL)
    msg = (const uint8_t *)"";

  if (alg == GKDC_COSE_ALG_EDDSA)
    return pub_len == 32 && alg_ed25519_verify(pub, msg, msg_len, sig);
  return alg_p256_verify(pub, pub_len, msg, msg_len, sig);
}

static int op_aead_seal(void *st, int32_t alg, const uint8_t *key,
                        size_t key_len, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *in,
                        size_t in_len, uint8_t *out, size_t *out_len)
{
  return alg_aead_seal(alg, key, key_len, nonce, nonce_len, aad, aad_len, in,
                       in_len, out, out_len);
}

static int op_aead_open(void *st, int32_t alg, const uint8_t *key,
                        size_t key_len, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *in,
                        size_t in_len, uint8_t *out, size_t *out_len)
{
  return alg_aead_open(alg, key, key_len, nonce, nonce_len, aad, aad_len, in,
                       in_len, out, out_len);
}

static int op_cipher(void *st, int32_t alg, const uint8_t *key, size_t key_len,
                     const uint8_t *iv, size_t iv_len, const uint8_t *in,
                     uint8_t *out, size_t len)
{
  return alg_cipher(alg, key, key_len, iv, iv_len, in, out, len);
}

static int op_mac(void *st, int32_t alg, const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t msg_len, uint8_t *tag,
                  size_t *tag_len)
{
  return alg_mac(alg, key, key_len, msg, msg_len, tag, tag_len);
}

static int op_hash(void *st, int32_t alg, const uint8_t *msg, size_t msg_len,
                   uint8_t *digest, size_t *digest_len)
{
  return alg_hash(alg, msg, msg_len, digest, digest_len);
}

static int op_hkdf(void *st, int32_t hash_alg, const uint8_t *salt,
                   size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *info, size_t info_len, uint8_t *out,
                   size_t out_len)
{
  return alg_hkdf(hash_alg, salt, salt_len, ikm, ikm_len, info, info_len, out,
                  out_len);
}

static int op_keygen(void *st, int32_t curve, uint8_t *priv, size_t *priv_len,
                     uint8_t *pub, size_t *pub_len)
{
  const struct curve_keys *c = curve_keys_find(curve);

  if (c == NULL || priv == NULL || priv_len == NULL || pub == NULL || pub_len == NULL)
    return 0;
  if (*priv_len < CURVE_PRIV_LEN || *pub_len < c->pub_len)
    return 0;
  if (!c->keygen(priv, pub))
    return 0;
  *priv_len = CURVE_PRIV_LEN;
  *pub_len = c->pub_len;
  return 1;
}

static int op_public_from_private(void *st, int32_t curve, const uint8_t *priv,
                                  size_t priv_len, uint8_t *pub, size_t *pub_len)
{
  const struct curve_keys *c = curve_keys_find(curve);

  if (c == NULL || priv == NULL || priv_len != CURVE_PRIV_LEN || pub == NULL ||
      pub_len == NULL || *pub_len < c->pub_len)
    return 0;
  if (!c->public_from_private(priv, pub))
    return 0;
  *pub_len = c->pub_len;
  return 1;
}

static int op_ecdh(void *st, int32_t curve, const uint8_t *priv, size_t priv_len,
                   const uint8_t *peer_pub, size_t peer_pub_len, uint8_t *secret,
                   size_t *secret_len)
{
  const struct gkdc_alg_info *info = alg_info_find(curve, GKDC_ALG_ECDH);
  int ok;

  if (info == NULL || priv == NULL || priv_len != info->key_len ||
      peer_pub == NULL || secret == NULL || secret_len == NULL ||
      *secret_len < info->tag_len)
    return 0;

  if (curve == GKDC_COSE_CRV_X25519)
    ok = peer_pub_len == 32 && alg_x25519_ecdh(priv, peer_pub, secret);
  else
    ok = alg_p256_ecdh(priv, peer_pub, peer_pub_len, secret);
  if (ok)
    *secret_len = info->tag_len;
  return ok;
}

static int op_ed25519_pub_to_x25519(void *st, const uint8_t ed_pub[32],
                                    uint8_t x_pub[32])
{
  if (ed_pub == NULL || x_pub == NULL)
    return 0;
  return alg_ed25519_pub_to_x25519(ed_pub, x_pub);
}

static int op_ed25519_priv_to_x25519(void *st, const uint8_t ed_seed[32],
                                     uint8_t x_priv[32])
{
  if (ed_seed == NULL || x_priv == NULL)
    return 0;
  return alg_ed25519_priv_to_x25519(ed_seed, x_priv);
}

static int op_ecdsa_raw_to_der(void *st, const uint8_t *raw, size_t raw_len,
                               uint8_t *der, size_t *der_len)
{
  return alg_ecdsa_raw_to_der(raw, raw_len, der, der_len);
}

static int op_ecdsa_der_to_raw(void *st, const uint8_t *der, size_t der_len,
                               uint8_t *raw, size_t *raw_len)
{
  return alg_ecdsa_der_to_raw(der, der_len, raw, raw_len);
}

static const struct gkdc_alg_ops alg_ops = {
    .size = sizeof(struct gkdc_alg_ops),
    .algs = alg_table,
    .alg_count = ALG_COUNT,
    .random = op_random,
    .sign = op_sign,
    .verify = op_verify,
    .aead_seal = op_aead_seal,
    .aead_open = op_aead_open,
    .cipher = op_cipher,
    .mac = op_mac,
    .hash = op_hash,
    .hkdf = op_hkdf,
    .keygen = op_keygen,
    .public_from_private = op_public_from_private,
    .ecdh = op_ecdh,
    .ed25519_pub_to_x25519 = op_ed25519_pub_to_x25519,
    .ed25519_priv_to_x25519 = op_ed25519_priv_to_x25519,
    .ecdsa_raw_to_der = op_ecdsa_raw_to_der,
    .ecdsa_der_to_raw = op_ecdsa_der_to_raw,
};

/*
 * Starts the plugin. It fails unless the libcrypto it is bound to reports
 * itself as BoringSSL, because when OpenSSL's libcrypto is loaded in the
 * same process, its symbols can override BoringSSL's, and every operation
 * would then run on the wrong library.
 */
static int alg_init(gkdc_plugin *self, const struct gkdc_host_api *host,
                    void **state_out)
{
  const char *lib = OpenSSL_version(OPENSSL_VERSION);
  struct alg_state *st;

  if (state_out == NULL)
    return 0;
  *state_out = NULL;

  if (lib == NULL || strcmp(lib, "BoringSSL") != 0) {
    if (GKDC_HAS_OP(host, log))
      host->log(self, GKDC_LOG_ERR,
                "libcrypto reports itself as \"%s\", not BoringSSL: another "
                "libcrypto is loaded in this process; not starting",
                lib != NULL ? lib : "(null)");
    return 0;
  }

  st = calloc(1, sizeof(*st));
  if (st == NULL) {
    if (GKDC_HAS_OP(host, log))
      host->log(self, GKDC_LOG_ERR, "out of memory");
    return 0;
  }
  st->self = self;
  st->host = host;
  *state_out = st;

  if (GKDC_HAS_OP(host, log))
    host->log(self, GKDC_LOG_DEBUG, "started with %zu algorithms", ALG_COUNT);
  return 1;
}

static void alg_fini(void *state)
{
  free(state);
}

static const struct gkdc_plugin_desc alg_desc = {
    .abi_major = GKDC_ABI_MAJOR,
    .abi_minor = GKDC_ABI_MINOR,
    .build_signature = GKDC_BUILD_SIGNATURE,
    .kind = GKDC_PLUGIN_ALG,
    .reserved = 0,
    .name = PLUGIN_NAME,
    .version = PACKAGE_VERSION,
    .description = "COSE algorithms, HKDF and random bytes on BoringSSL",
    .init = alg_init,
    .fini = alg_fini,
    .ops = &alg_ops,
};

GKDC_PLUGIN_DEFINE(alg_desc)
