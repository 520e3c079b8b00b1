/*
 * gkdc plugin SDK: the crypto adapter, implemented in libgkdc.
 *
 * One entry point per operation, keyed by COSE algorithm id. The adapter
 * finds the alg plugin that registered the id and calls it. Plugins get the
 * host's adapter from host->crypto_get0(); unit tests can build one over a
 * single loaded alg plugin with gkdc_crypto_init_single().
 *
 * All functions return 1 on success and 0 on failure (unknown algorithm,
 * wrong sizes, invalid signature or tag). Output buffers are caller-owned;
 * where a length is passed by pointer it holds the capacity on input and the
 * length written on output.
 */
#ifndef GKDC_CRYPTO_H
#define GKDC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/alg.h>
#include <gkdc/host.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest sizes any registered algorithm uses; buffers of these sizes fit. */
#define GKDC_MAX_SIG_LEN 64      /* raw Ed25519 or ES256 r||s */
#define GKDC_MAX_DER_SIG_LEN 72  /* DER ECDSA P-256 */
#define GKDC_MAX_PUB_LEN 65      /* P-256 uncompressed point */
#define GKDC_MAX_PRIV_LEN 32
#define GKDC_MAX_HASH_LEN 64
#define GKDC_MAX_KEY_LEN 64      /* AEAD keys; 64 is the HMAC 512/512 key_len */
#define GKDC_MAX_NONCE_LEN 16    /* AEAD nonces are 12 or 13; the A128CTR IV is 16 */
#define GKDC_MAX_TAG_LEN 16      /* AEAD tags; MAC tags fit GKDC_MAX_HASH_LEN */

/*
 * How the adapter finds providers; filled by the host or by tests. Each
 * finder returns 1 and fills *out, or 0 when no alg plugin serves the key.
 * The members after find_hkdf are optional (NULL, or outside `size`):
 *
 *   find_curve   the provider of key generation, public-from-private, ECDH
 *                and the Ed25519 to X25519 mapping on a curve (a COSE
 *                curve id): the plugin with an ECDH entry for that curve or
 *                a SIGN entry on it. Without it the adapter calls find_alg
 *                with the curve id, then with the curve's signature
 *                algorithm (EdDSA, ES256).
 *   find_random  the provider of random bytes. Without it the adapter uses
 *                the provider of HKDF with SHA-256.
 */
struct gkdc_crypto {
  uint32_t size;
  void *arg;
  int (*find_alg)(void *arg, int32_t cose_alg, struct gkdc_provider *out);
  int (*find_hkdf)(void *arg, int32_t cose_hash_alg, struct gkdc_provider *out);
  int (*find_curve)(void *arg, int32_t cose_curve, struct gkdc_provider *out);
  int (*find_random)(void *arg, struct gkdc_provider *out);
};

/*
 * Builds an adapter that serves every algorithm that one alg plugin lists
 * in its algs[] from that plugin, for unit tests and the joining-node
 * tools. `cx` keeps the `provider` pointer: the provider (and the ops and
 * state it points to) must outlive every use of `cx`.
 */
void gkdc_crypto_init_single(struct gkdc_crypto *cx,
                             const struct gkdc_provider *provider);

/* The info entry of a registered algorithm, or NULL. HKDF and ECDH entries
 * are not found here, because they are keyed by hash and curve ids that
 * overlap algorithm ids. get0: borrowed from the provider's table. */
const struct gkdc_alg_info *gkdc_crypto_alg_info_get0(const struct gkdc_crypto *cx,
                                                      int32_t cose_alg);

/*
 * Maps an HKDF algorithm name used in OSCORE input material to a hash
 * function id: 5 (HMAC 256/256) and -10 to SHA-256 (-16), 7 (HMAC
 * 512/512) and -11 to SHA-512 (-44); -16 and -44 map to themselves.
 * Returns 1 and fills *hash_alg, or 0 for any other value.
 */
int gkdc_crypto_hkdf_hash(int32_t hkdf_alg, int32_t *hash_alg);

int gkdc_crypto_random(const struct gkdc_crypto *cx, uint8_t *buf, size_t len);

int gkdc_crypto_sign(const struct gkdc_crypto *cx, int32_t alg,
                     const uint8_t *priv, size_t priv_len, const uint8_t *msg,
                     size_t msg_len, uint8_t *sig, size_t *sig_len);
int gkdc_crypto_verify(const struct gkdc_crypto *cx, int32_t alg,
                       const uint8_t *pub, size_t pub_len, const uint8_t *msg,
                       size_t msg_len, const uint8_t *sig, size_t sig_len);

int gkdc_crypto_aead_seal(const struct gkdc_crypto *cx, int32_t alg,
                          const uint8_t *key, size_t key_len,
                          const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *in,
                          size_t in_len, uint8_t *out, size_t *out_len);
int gkdc_crypto_aead_open(const struct gkdc_crypto *cx, int32_t alg,
                          const uint8_t *key, size_t key_len,
                          const uint8_t *nonce, size_t nonce_len,
                          const uint8_t *aad, size_t aad_len, const uint8_t *in,
                          size_t in_len, uint8_t *out, size_t *out_len);

int gkdc_crypto_cipher(const struct gkdc_crypto *cx, int32_t alg,
                       const uint8_t *key, size_t key_len, const uint8_t *iv,
                       size_t iv_len, const uint8_t *in, uint8_t *out, size_t len);

int gkdc_crypto_mac(const struct gkdc_crypto *cx, int32_t alg,
                    const uint8_t *key, size_t key_len, const uint8_t *msg,
                    size_t msg_len, uint8_t *tag, size_t *tag_len);

int gkdc_crypto_hash(const struct gkdc_crypto *cx, int32_t alg,
                     const uint8_t *msg, size_t msg_len, uint8_t *digest,
                     size_t *digest_len);

/* HKDF; `hkdf_alg` may be any value gkdc_crypto_hkdf_hash() accepts. */
int gkdc_crypto_hkdf(const struct gkdc_crypto *cx, int32_t hkdf_alg,
                     const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                     size_t ikm_len, const uint8_t *info, size_t info_len,
                     uint8_t *out, size_t out_len);

int gkdc_crypto_keygen(const struct gkdc_crypto *cx, int32_t curve,
                       uint8_t *priv, size_t *priv_len, uint8_t *pub,
                       size_t *pub_len);
int gkdc_crypto_public_from_private(const struct gkdc_crypto *cx, int32_t curve,
                                    const uint8_t *priv, size_t priv_len,
                                    uint8_t *pub, size_t *pub_len);
int gkdc_crypto_ecdh(const struct gkdc_crypto *cx, int32_t curve,
                     const uint8_t *priv, size_t priv_len,
                     const uint8_t *peer_pub, size_t peer_pub_len,
                     uint8_t *secret, size_t *secret_len);
int gkdc_crypto_ed25519_pub_to_x25519(const struct gkdc_crypto *cx,
                                      const uint8_t ed_pub[32], uint8_t x_pub[32]);
int gkdc_crypto_ed25519_priv_to_x25519(const struct gkdc_crypto *cx,
                                       const uint8_t ed_seed[32],
                                       uint8_t x_priv[32]);
int gkdc_crypto_ecdsa_raw_to_der(const struct gkdc_crypto *cx,
                                 const uint8_t *raw, size_t raw_len,
                                 uint8_t *der, size_t *der_len);
int gkdc_crypto_ecdsa_der_to_raw(const struct gkdc_crypto *cx,
                                 const uint8_t *der, size_t der_len,
                                 uint8_t *raw, size_t *raw_len);

/* Overwrites `len` bytes at `p` with zeros in a way the compiler keeps. */
void gkdc_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_CRYPTO_H */
