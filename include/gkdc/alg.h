/*
 * gkdc plugin SDK: the alg plugin kind (COSE algorithms, HKDF, random).
 *
 * An alg plugin lists the algorithms it implements in `algs`; the host
 * registers each entry under its COSE algorithm id (HKDF entries under the
 * COSE id of their hash function). Every cryptographic operation in gkdc goes
 * through one of these tables, usually via the gkdc_crypto adapter of
 * <gkdc/crypto.h>.
 *
 * Key encodings (all raw, caller-owned buffers):
 *   Ed25519   private: 32-byte seed            public: 32 bytes
 *   X25519    private: 32-byte scalar          public: 32 bytes (u)
 *   P-256     private: 32-byte big-endian d    public: 65 bytes 04||x||y
 *             (verify and ecdh also take the 33-byte SEC 1 compressed form)
 * ES256 signatures are raw r||s (64 bytes); ecdsa_raw_to_der/der_to_raw
 * convert for peers that use DER.
 *
 * Every operation returns 1 on success and 0 on failure; verify and
 * aead_open return 0 for an invalid signature or tag as well as for an
 * error, and never fill outputs in that case.
 */
#ifndef GKDC_ALG_H
#define GKDC_ALG_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* COSE algorithm ids (IANA "COSE Algorithms"). */
#define GKDC_COSE_ALG_A128GCM 1
#define GKDC_COSE_ALG_A256GCM 3
#define GKDC_COSE_ALG_HMAC_256_64 4
#define GKDC_COSE_ALG_HMAC_256_256 5
#define GKDC_COSE_ALG_HMAC_512_512 7
#define GKDC_COSE_ALG_AES_CCM_16_64_128 10
#define GKDC_COSE_ALG_CHACHA20_POLY1305 24
#define GKDC_COSE_ALG_AES_CCM_16_128_128 30
#define GKDC_COSE_ALG_ES256 (-7)
#define GKDC_COSE_ALG_EDDSA (-8)
#define GKDC_COSE_ALG_HKDF_SHA256 (-10) /* accepted on input as SHA-256 */
#define GKDC_COSE_ALG_HKDF_SHA512 (-11) /* accepted on input as SHA-512 */
#define GKDC_COSE_ALG_SHA256 (-16)
#define GKDC_COSE_ALG_SHA512 (-44)
#define GKDC_COSE_ALG_ECDH_SS_HKDF_256 (-27) /* Group OSCORE pairwise ecdh_alg */
#define GKDC_COSE_ALG_A128CTR (-65534)

/* COSE elliptic curve ids (IANA "COSE Elliptic Curves"). */
#define GKDC_COSE_CRV_P256 1
#define GKDC_COSE_CRV_X25519 4
#define GKDC_COSE_CRV_ED25519 6

/* What an algorithm entry is. */
enum gkdc_alg_class {
  GKDC_ALG_SIGN = 1,   /* sign / verify */
  GKDC_ALG_AEAD = 2,   /* aead_seal / aead_open */
  GKDC_ALG_CIPHER = 3, /* cipher: a non-AEAD stream cipher (A128CTR) */
  GKDC_ALG_MAC = 4,    /* mac */
  GKDC_ALG_HKDF = 5,   /* hkdf, registered by hash function id */
  GKDC_ALG_ECDH = 6,   /* ecdh, id is a curve id (GKDC_COSE_CRV_*) */
  GKDC_ALG_HASH = 7,   /* hash */
};

/* One supported algorithm and its sizes in bytes (0 where meaningless). */
struct gkdc_alg_info {
  int32_t id;        /* COSE algorithm id; curve id for GKDC_ALG_ECDH */
  uint32_t cls;      /* enum gkdc_alg_class */
  const char *name;  /* e.g. "AES-CCM-16-64-128" */
  uint16_t key_len;  /* symmetric key, or private key for SIGN/ECDH */
  uint16_t nonce_len; /* AEAD nonce, or the IV of a CIPHER entry */
  uint16_t tag_len;  /* AEAD tag, MAC, hash or ECDH shared secret length */
  uint16_t sig_len;  /* raw signature length */
  int32_t curve;     /* curve used by SIGN and ECDH entries, else 0 */
};

/*
 * The alg operation table. `st` is the state the plugin's init returned.
 * Output buffers are caller-owned; `*out_len` holds their capacity on input
 * where it is a pointer, and the length written on output.
 */
struct gkdc_alg_ops {
  uint32_t size;

  const struct gkdc_alg_info *algs;
  size_t alg_count;

  /* Fills buf with len bytes from a CSPRNG. */
  int (*random)(void *st, uint8_t *buf, size_t len);

  /* Signature algorithms (ES256, EdDSA). For ES256 `sig` is raw r||s. */
  int (*sign)(void *st, int32_t alg, const uint8_t *priv, size_t priv_len,
              const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t *sig_len);
  int (*verify)(void *st, int32_t alg, const uint8_t *pub, size_t pub_len,
                const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                size_t sig_len);

  /* AEAD: `out` receives ciphertext||tag (seal) or plaintext (open). */
  int (*aead_seal)(void *st, int32_t alg, const uint8_t *key, size_t key_len,
                   const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                   size_t aad_len, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t *out_len);
  int (*aead_open)(void *st, int32_t alg, const uint8_t *key, size_t key_len,
                   const uint8_t *nonce, size_t nonce_len, const uint8_t *aad,
                   size_t aad_len, const uint8_t *in, size_t in_len,
                   uint8_t *out, size_t *out_len);

  /* Non-AEAD cipher (A128CTR): out = in XOR keystream(key, iv); len bytes. */
  int (*cipher)(void *st, int32_t alg, const uint8_t *key, size_t key_len,
                const uint8_t *iv, size_t iv_len, const uint8_t *in,
                uint8_t *out, size_t len);

  /* MAC (HMAC 256/64, 256/256, 512/512): writes the truncated tag. */
  int (*mac)(void *st, int32_t alg, const uint8_t *key, size_t key_len,
             const uint8_t *msg, size_t msg_len, uint8_t *tag, size_t *tag_len);

  /* Hash (SHA-256 -16, SHA-512 -44). */
  int (*hash)(void *st, int32_t alg, const uint8_t *msg, size_t msg_len,
              uint8_t *digest, size_t *digest_len);

  /* HKDF (RFC 5869) with the hash function `hash_alg` (-16 or -44). A NULL
   * or empty salt means the all-zero salt of the hash length. */
  int (*hkdf)(void *st, int32_t hash_alg, const uint8_t *salt, size_t salt_len,
              const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
              size_t info_len, uint8_t *out, size_t out_len);

  /* Key generation for a curve (P-256, X25519, Ed25519). */
  int (*keygen)(void *st, int32_t curve, uint8_t *priv, size_t *priv_len,
                uint8_t *pub, size_t *pub_len);
  /* Public key from a private key on a curve. */
  int (*public_from_private)(void *st, int32_t curve, const uint8_t *priv,
                             size_t priv_len, uint8_t *pub, size_t *pub_len);

  /* ECDH shared secret (X25519: RFC 7748, all-zero output rejected; P-256:
   * x coordinate, the peer point validated). */
  int (*ecdh)(void *st, int32_t curve, const uint8_t *priv, size_t priv_len,
              const uint8_t *peer_pub, size_t peer_pub_len, uint8_t *secret,
              size_t *secret_len);

  /* Ed25519 to X25519 key mapping (RFC 7748 section 4.1 birational map for
   * the public key; SHA-512 of the seed, clamped, for the private key). */
  int (*ed25519_pub_to_x25519)(void *st, const uint8_t ed_pub[32],
                               uint8_t x_pub[32]);
  int (*ed25519_priv_to_x25519)(void *st, const uint8_t ed_seed[32],
                                uint8_t x_priv[32]);

  /* ES256 signature format conversion between raw r||s and DER. */
  int (*ecdsa_raw_to_der)(void *st, const uint8_t *raw, size_t raw_len,
                          uint8_t *der, size_t *der_len);
  int (*ecdsa_der_to_raw)(void *st, const uint8_t *der, size_t der_len,
                          uint8_t *raw, size_t *raw_len);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_ALG_H */
