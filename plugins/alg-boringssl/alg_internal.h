/*
 * Internal interfaces between the source files of the alg-boringssl plugin.
 * Nothing here is exported from the shared object: the plugin exports only
 * its entry point.
 *
 * Every function returns 1 on success and 0 on failure, like the operations
 * of struct gkdc_alg_ops that call them. Where a comment gives a length, the
 * caller has checked it.
 */
#ifndef GKDC_ALG_BORINGSSL_INTERNAL_H
#define GKDC_ALG_BORINGSSL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/alg.h>

/* ---- AES-CCM with L = 2 and a 13-byte nonce (ccm.c) ---- */

#define ALG_CCM_NONCE_LEN 13
#define ALG_CCM_KEY_LEN 16
/* Largest plaintext with a 2-byte length field (RFC 3610, L = 2). */
#define ALG_CCM_MAX_PLAINTEXT 0xffffu

/*
 * Encrypts `in` with AES-128-CCM (RFC 3610) and writes ciphertext || tag,
 * in_len + tag_len bytes, to `out`. `tag_len` is 8 or 16. `out` may equal
 * `in`; any other overlap is invalid.
 */
int alg_ccm_seal(const uint8_t key[ALG_CCM_KEY_LEN], size_t tag_len,
                 const uint8_t nonce[ALG_CCM_NONCE_LEN], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);

/*
 * Checks the tag of ciphertext || tag (`in_len` bytes in all, at least
 * `tag_len`) and, only when it matches, writes the in_len - tag_len
 * plaintext bytes to `out`. The tag comparison runs in constant time. On a
 * wrong tag `out` is left untouched. `out` may equal `in`.
 */
int alg_ccm_open(const uint8_t key[ALG_CCM_KEY_LEN], size_t tag_len,
                 const uint8_t nonce[ALG_CCM_NONCE_LEN], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);

/* ---- the algorithm table (plugin.c) ---- */

/* The algorithm entry for a COSE id and class, or NULL. */
const struct gkdc_alg_info *alg_info_find(int32_t id, uint32_t cls);

/* ---- symmetric algorithms (symmetric.c) ---- */

int alg_aead_seal(int32_t alg, const uint8_t *key, size_t key_len,
                  const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t *out_len);
int alg_aead_open(int32_t alg, const uint8_t *key, size_t key_len,
                  const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t *out_len);
int alg_cipher(int32_t alg, const uint8_t *key, size_t key_len,
               const uint8_t *iv, size_t iv_len, const uint8_t *in,
               uint8_t *out, size_t len);
int alg_mac(int32_t alg, const uint8_t *key, size_t key_len,
            const uint8_t *msg, size_t msg_len, uint8_t *tag, size_t *tag_len);
int alg_hash(int32_t alg, const uint8_t *msg, size_t msg_len, uint8_t *digest,
             size_t *digest_len);
int alg_hkdf(int32_t hash_alg, const uint8_t *salt, size_t salt_len,
             const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
             size_t info_len, uint8_t *out, size_t out_len);

/* ---- P-256: ES256, ECDH and keys (p256.c) ---- */

#define ALG_P256_PRIV_LEN 32
#define ALG_P256_PUB_LEN 65 /* 04 || x || y */
#define ALG_P256_PUB_COMPRESSED_LEN 33
#define ALG_P256_SIG_LEN 64

/* `priv` is 32 bytes; the caller has checked the lengths. */
int alg_p256_sign(const uint8_t *priv, const uint8_t *msg, size_t msg_len,
                  uint8_t sig[ALG_P256_SIG_LEN]);
/* `pub` is 65 (uncompressed) or 33 (compressed) bytes. */
int alg_p256_verify(const uint8_t *pub, size_t pub_len, const uint8_t *msg,
                    size_t msg_len, const uint8_t sig[ALG_P256_SIG_LEN]);
int alg_p256_keygen(uint8_t *priv, uint8_t *pub);
int alg_p256_public_from_private(const uint8_t *priv, uint8_t *pub);
int alg_p256_ecdh(const uint8_t priv[ALG_P256_PRIV_LEN], const uint8_t *peer,
                  size_t peer_len, uint8_t secret[32]);
int alg_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der,
                         size_t *der_len);
int alg_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw,
                         size_t *raw_len);

/* ---- Ed25519 and X25519 (curve25519.c) ---- */

int alg_ed25519_sign(const uint8_t seed[32], const uint8_t *msg,
                     size_t msg_len, uint8_t sig[64]);
int alg_ed25519_verify(const uint8_t pub[32], const uint8_t *msg,
                       size_t msg_len, const uint8_t sig[64]);
/* Key generation and public-from-private: 32-byte private keys and
 * 32-byte public keys. */
int alg_ed25519_keygen(uint8_t *seed, uint8_t *pub);
int alg_ed25519_public_from_private(const uint8_t *seed, uint8_t *pub);
int alg_x25519_keygen(uint8_t *priv, uint8_t *pub);
int alg_x25519_public_from_private(const uint8_t *priv, uint8_t *pub);
int alg_x25519_ecdh(const uint8_t priv[32], const uint8_t peer[32],
                    uint8_t secret[32]);
int alg_ed25519_pub_to_x25519(const uint8_t ed_pub[32], uint8_t x_pub[32]);
int alg_ed25519_priv_to_x25519(const uint8_t ed_seed[32], uint8_t x_priv[32]);

#endif /* GKDC_ALG_BORINGSSL_INTERNAL_H */
