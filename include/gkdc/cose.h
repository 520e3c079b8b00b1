/*
 * gkdc plugin SDK: COSE (RFC 9052, RFC 9053) single-recipient messages and
 * COSE_Key, on the CBOR decoder of <gkdc/cbor.h> and the crypto adapter of
 * <gkdc/crypto.h>.
 *
 * Supported messages: COSE_Sign1 (tag 18), COSE_Mac0 (tag 17) and
 * COSE_Encrypt0 (tag 16), tagged or untagged, with attached payloads. The
 * protected header is kept as the exact bytes received, and those bytes go
 * into the Sig_structure, MAC_structure or Enc_structure. The algorithm is
 * always taken from the protected header (RFC 9052 section 3.1 requires
 * `alg` to be authenticated where possible); a message without it is
 * rejected. `kid` may sit in either bucket.
 *
 * Messages are created into caller-owned buffers. Keys use the raw
 * encodings of <gkdc/alg.h> (Ed25519: 32 bytes, P-256 public: 04||x||y).
 */
#ifndef GKDC_COSE_H
#define GKDC_COSE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/cbor.h>
#include <gkdc/crypto.h>
#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CBOR tags of COSE messages (RFC 9052 section 2) and of CWT (RFC 8392). */
#define GKDC_COSE_TAG_ENCRYPT0 16
#define GKDC_COSE_TAG_MAC0 17
#define GKDC_COSE_TAG_SIGN1 18
#define GKDC_COSE_TAG_CWT 61
#define GKDC_COSE_TAG_ENCRYPT 96
#define GKDC_COSE_TAG_MAC 97
#define GKDC_COSE_TAG_SIGN 98

/* Common header parameter labels (RFC 9052 section 3.1, RFC 8613, RFC 9360,
 * RFC 9528). */
#define GKDC_COSE_HDR_ALG 1
#define GKDC_COSE_HDR_CRIT 2
#define GKDC_COSE_HDR_CONTENT_TYPE 3
#define GKDC_COSE_HDR_KID 4
#define GKDC_COSE_HDR_IV 5
#define GKDC_COSE_HDR_PARTIAL_IV 6
#define GKDC_COSE_HDR_KID_CONTEXT 10
#define GKDC_COSE_HDR_KCWT 13
#define GKDC_COSE_HDR_KCCS 14
#define GKDC_COSE_HDR_X5BAG 32
#define GKDC_COSE_HDR_X5CHAIN 33

/* COSE_Key labels (RFC 9052 section 7.1, RFC 9053 section 7). */
#define GKDC_COSE_KEY_KTY 1
#define GKDC_COSE_KEY_KID 2
#define GKDC_COSE_KEY_ALG 3
#define GKDC_COSE_KEY_KEY_OPS 4
#define GKDC_COSE_KEY_BASE_IV 5
#define GKDC_COSE_KEY_CRV (-1) /* OKP and EC2 */
#define GKDC_COSE_KEY_K (-1)   /* Symmetric */
#define GKDC_COSE_KEY_X (-2)
#define GKDC_COSE_KEY_Y (-3)
#define GKDC_COSE_KEY_D (-4)

/* COSE key types (RFC 9053 section 7). */
#define GKDC_COSE_KTY_OKP 1
#define GKDC_COSE_KTY_EC2 2
#define GKDC_COSE_KTY_SYMMETRIC 4

/* Errors of the COSE functions; GKDC_COSE_OK is zero. */
enum gkdc_cose_err {
  GKDC_COSE_OK = 0,
  GKDC_COSE_ERR_CBOR = 1,        /* the input is not valid CBOR (see cbor_err) */
  GKDC_COSE_ERR_STRUCTURE = 2,   /* valid CBOR but not the expected COSE structure */
  GKDC_COSE_ERR_WRONG_TYPE = 3,  /* the tag names another message type */
  GKDC_COSE_ERR_NO_ALG = 4,      /* no alg in the protected header */
  GKDC_COSE_ERR_ALG = 5,         /* alg unknown, unsupported or not the expected one */
  GKDC_COSE_ERR_CRIT = 6,        /* a critical header parameter is not understood */
  GKDC_COSE_ERR_KEY = 7,         /* key missing, malformed or of the wrong size */
  GKDC_COSE_ERR_VERIFY = 8,      /* signature, MAC tag or AEAD tag check failed */
  GKDC_COSE_ERR_BUFFER = 9,      /* the output buffer is too small */
  GKDC_COSE_ERR_CRYPTO = 10,     /* a cryptographic operation failed */
  GKDC_COSE_ERR_NOMEM = 11,
  GKDC_COSE_ERR_INVALID = 12,    /* invalid argument */
};

/* Returns a static English message for `err`, never NULL. */
const char *gkdc_cose_err_str(enum gkdc_cose_err err);

/* Message types. */
enum gkdc_cose_type {
  GKDC_COSE_ANY = 0, /* parse: take the type from the tag */
  GKDC_COSE_SIGN1 = GKDC_COSE_TAG_SIGN1,
  GKDC_COSE_MAC0 = GKDC_COSE_TAG_MAC0,
  GKDC_COSE_ENCRYPT0 = GKDC_COSE_TAG_ENCRYPT0,
};

/*
 * Parsed header buckets. Every view points into the parsed input. Absent
 * byte-string parameters have ptr NULL.
 */
struct gkdc_cose_headers {
  struct gkdc_bytes protected_bstr; /* content of the protected bstr, byte-exact */
  struct gkdc_bytes unprotected;    /* encoded unprotected map */
  int has_alg;
  int32_t alg;                      /* from the protected bucket */
  struct gkdc_bytes kid;            /* from either bucket */
  int kid_protected;                /* 1 when kid came from the protected bucket */
  struct gkdc_bytes iv;
  struct gkdc_bytes partial_iv;
  struct gkdc_bytes kid_context;
  struct gkdc_bytes content_type;   /* encoded uint or tstr, or ptr NULL */
};

/* A parsed COSE_Sign1, COSE_Mac0 or COSE_Encrypt0. Views into the input. */
struct gkdc_cose_msg {
  enum gkdc_cose_type type;
  int tagged;                   /* 1 when the COSE tag was present */
  int cwt_tagged;               /* 1 when a CWT tag (61) preceded it */
  struct gkdc_cose_headers hdr;
  struct gkdc_bytes payload;    /* Sign1/Mac0 payload, Encrypt0 ciphertext||tag */
  struct gkdc_bytes auth;       /* Sign1 signature or Mac0 tag; empty for Encrypt0 */
  enum gkdc_cbor_err cbor_err;  /* the decoder's error when parsing failed on CBOR */
};

/*
 * Parses a COSE message from `in`. `expect` is the required type or
 * GKDC_COSE_ANY to take it from the tag; an untagged message needs an
 * explicit type because COSE_Sign1 and COSE_Mac0 both have four elements.
 * An optional CWT tag 61 before the COSE tag is accepted and noted. Checks
 * the structure, the header types, duplicate labels across the two buckets
 * and `crit` (this implementation understands no extension parameters, so
 * any label listed in crit other than alg, kid, IV and Partial IV yields
 * GKDC_COSE_ERR_CRIT). Does no cryptography.
 */
enum gkdc_cose_err gkdc_cose_parse(const uint8_t *in, size_t len,
                                   enum gkdc_cose_type expect,
                                   struct gkdc_cose_msg *msg);

/*
 * Verifies a parsed COSE_Sign1 with the public key `pub` and the external
 * AAD (may be empty). When `key_alg` is not 0 the header's alg must equal
 * it, so a key bound to one algorithm cannot be used with another.
 */
enum gkdc_cose_err gkdc_cose_sign1_verify(const struct gkdc_crypto *cx,
                                          const struct gkdc_cose_msg *msg,
                                          int32_t key_alg, const uint8_t *pub,
                                          size_t pub_len, const uint8_t *aad,
                                          size_t aad_len);

/* Verifies a parsed COSE_Mac0 with the symmetric `key` (see sign1_verify
 * for `key_alg`). The tag comparison runs in constant time. */
enum gkdc_cose_err gkdc_cose_mac0_verify(const struct gkdc_crypto *cx,
                                         const struct gkdc_cose_msg *msg,
                                         int32_t key_alg, const uint8_t *key,
                                         size_t key_len, const uint8_t *aad,
                                         size_t aad_len);

/*
 * Decrypts a parsed COSE_Encrypt0 with `key`. The nonce is the IV header
 * parameter, which must have the algorithm's nonce length (Partial IV
 * needs a context base IV and is not supported here). Writes the plaintext
 * to `out`; *out_len contains the capacity on input and the length on output.
 * Nothing is written when the tag check fails.
 */
enum gkdc_cose_err gkdc_cose_encrypt0_decrypt(const struct gkdc_crypto *cx,
                                              const struct gkdc_cose_msg *msg,
                                              int32_t key_alg, const uint8_t *key,
                                              size_t key_len, const uint8_t *aad,
                                              size_t aad_len, uint8_t *out,
                                              size_t *out_len);

/* Header parameters and options of gkdc_cose_*_create(). */
struct gkdc_cose_params {
  int32_t alg;                 /* COSE algorithm; goes into the protected bucket */
  struct gkdc_bytes kid;       /* ptr NULL for none */
  int kid_protected;           /* 1: kid in the protected bucket, 0: unprotected */
  int64_t content_type;        /* CoAP Content-Format, or -1 for none (protected) */
  struct gkdc_bytes iv;        /* Encrypt0: nonce to use; ptr NULL draws a random one */
  int tagged;                  /* 1: prefix the COSE tag */
};

/*
 * Creates a COSE message into `out` (*out_len: capacity in, length out).
 * The payload is attached. Header maps are encoded deterministically.
 * Encrypt0 puts the IV in the unprotected bucket.
 */
enum gkdc_cose_err gkdc_cose_sign1_create(const struct gkdc_crypto *cx,
                                          const struct gkdc_cose_params *params,
                                          const uint8_t *priv, size_t priv_len,
                                          const uint8_t *payload, size_t payload_len,
                                          const uint8_t *aad, size_t aad_len,
                                          uint8_t *out, size_t *out_len);
enum gkdc_cose_err gkdc_cose_mac0_create(const struct gkdc_crypto *cx,
                                         const struct gkdc_cose_params *params,
                                         const uint8_t *key, size_t key_len,
                                         const uint8_t *payload, size_t payload_len,
                                         const uint8_t *aad, size_t aad_len,
                                         uint8_t *out, size_t *out_len);
enum gkdc_cose_err gkdc_cose_encrypt0_create(const struct gkdc_crypto *cx,
                                             const struct gkdc_cose_params *params,
                                             const uint8_t *key, size_t key_len,
                                             const uint8_t *plaintext,
                                             size_t plaintext_len,
                                             const uint8_t *aad, size_t aad_len,
                                             uint8_t *out, size_t *out_len);

/* ---- COSE_Key ---- */

/*
 * A parsed COSE_Key. Views point into the parsed input; absent byte
 * strings have ptr NULL.
 */
struct gkdc_cose_key {
  struct gkdc_bytes encoded; /* the exact encoded map */
  int64_t kty;               /* GKDC_COSE_KTY_* */
  struct gkdc_bytes kid;
  int has_alg;
  int32_t alg;
  int64_t crv;               /* OKP and EC2; 0 for Symmetric */
  struct gkdc_bytes x;
  struct gkdc_bytes y;
  struct gkdc_bytes d;       /* private key; never log it */
  struct gkdc_bytes k;       /* Symmetric key; never log it */
};

/*
 * Parses and checks a COSE_Key map. Checks: kty is OKP, EC2 or Symmetric;
 * OKP has crv Ed25519, X25519, Ed448 or X448, x of the curve's length, no
 * y and no k; EC2 has crv P-256, P-384 or P-521, x and y (byte strings;
 * the compressed form with a boolean y is rejected) of the curve's length;
 * d, when present, has the curve's scalar length; Symmetric has a non-empty
 * k and no curve parameters; kid is a bstr and alg an int or tstr (a tstr
 * alg is ignored). Unknown labels are allowed.
 * gkdc_cose_key_parse() takes exactly one map; gkdc_cose_key_decode()
 * reads the next item of a decoder and stores CBOR errors in it.
 */
enum gkdc_cose_err gkdc_cose_key_parse(const uint8_t *in, size_t len,
                                       struct gkdc_cose_key *key);
enum gkdc_cose_err gkdc_cose_key_decode(struct gkdc_cbor_dec *d,
                                        struct gkdc_cose_key *key);

/*
 * Writes the public key in the raw form of <gkdc/alg.h>: x for OKP,
 * 04||x||y for EC2. *len contains the capacity on input. Returns 1, or 0 for
 * a Symmetric key or a small buffer.
 */
int gkdc_cose_key_public_raw(const struct gkdc_cose_key *key, uint8_t *out,
                             size_t *len);

/*
 * Encodes a COSE_Key map deterministically from the fields of `key` that
 * are set (kty always; kid, alg when has_alg, crv when non-zero, x, y, d, k
 * when ptr is not NULL). `key->encoded` is ignored.
 */
void gkdc_cose_key_encode(struct gkdc_cbor_enc *e, const struct gkdc_cose_key *key);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_COSE_H */
