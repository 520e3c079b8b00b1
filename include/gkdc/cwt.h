/*
 * gkdc plugin SDK: CWT claims sets (RFC 8392) with the ACE claims of
 * RFC 9200, for access tokens and for CWT Claims Set (CCS) credentials.
 *
 * gkdc_cwt_claims_parse() reads a claims map; gkdc_cwt_unwrap() also
 * verifies or decrypts the COSE layers of a token around it. Views point
 * into the parsed input.
 */
#ifndef GKDC_CWT_H
#define GKDC_CWT_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/cbor.h>
#include <gkdc/cose.h>
#include <gkdc/crypto.h>
#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CWT claim keys (IANA "CWT Claims": RFC 8392, RFC 8747, RFC 9200). */
#define GKDC_CWT_ISS 1
#define GKDC_CWT_SUB 2
#define GKDC_CWT_AUD 3
#define GKDC_CWT_EXP 4
#define GKDC_CWT_NBF 5
#define GKDC_CWT_IAT 6
#define GKDC_CWT_CTI 7
#define GKDC_CWT_CNF 8
#define GKDC_CWT_SCOPE 9
#define GKDC_CWT_ACE_PROFILE 38
#define GKDC_CWT_CNONCE 39
#define GKDC_CWT_EXI 40

/* Confirmation methods inside cnf (IANA "CWT Confirmation Methods":
 * RFC 8747, RFC 9203, RFC 9679). */
#define GKDC_CNF_COSE_KEY 1
#define GKDC_CNF_ENCRYPTED_COSE_KEY 2
#define GKDC_CNF_KID 3
#define GKDC_CNF_OSC 4
#define GKDC_CNF_CKT 5

/* Bits of gkdc_cwt_claims.present, one per claim. */
#define GKDC_CWT_HAS_ISS (1u << 0)
#define GKDC_CWT_HAS_SUB (1u << 1)
#define GKDC_CWT_HAS_AUD (1u << 2)
#define GKDC_CWT_HAS_EXP (1u << 3)
#define GKDC_CWT_HAS_NBF (1u << 4)
#define GKDC_CWT_HAS_IAT (1u << 5)
#define GKDC_CWT_HAS_CTI (1u << 6)
#define GKDC_CWT_HAS_CNF (1u << 7)
#define GKDC_CWT_HAS_SCOPE (1u << 8)
#define GKDC_CWT_HAS_ACE_PROFILE (1u << 9)
#define GKDC_CWT_HAS_CNONCE (1u << 10)
#define GKDC_CWT_HAS_EXI (1u << 11)

/*
 * A parsed claims set. Absent byte views have ptr NULL; numeric claims
 * are valid only when their GKDC_CWT_HAS_* bit is set in `present`.
 */
struct gkdc_cwt_claims {
  uint32_t present;
  struct gkdc_bytes encoded;     /* the exact encoded claims map */
  struct gkdc_bytes iss;         /* text, not NUL-terminated */
  struct gkdc_bytes sub;         /* text, not NUL-terminated */
  struct gkdc_bytes aud;         /* encoded: a tstr or an array of tstr */
  int64_t exp;                   /* NumericDate in seconds; a float is rounded down */
  int64_t nbf;
  int64_t iat;
  struct gkdc_bytes cti;
  struct gkdc_bytes cnf;         /* encoded cnf map, byte-exact */
  struct gkdc_bytes scope;       /* encoded tstr or bstr, byte-exact */
  int64_t ace_profile;
  struct gkdc_bytes cnonce;
  uint64_t exi;                  /* seconds */
};

/*
 * Parses the claims map that is the next item of `d` and checks the type
 * of every claim listed above: iss and sub tstr; aud tstr or a non-empty
 * array of tstr; exp, nbf and iat int or finite float; cti and cnonce
 * bstr; cnf a map with exactly one entry (one confirmation method, RFC
 * 8747 section 3.1); scope tstr or bstr; ace_profile int; exi uint. Other
 * claims are skipped. A type error stores GKDC_CBOR_ERR_TYPE or
 * GKDC_CBOR_ERR_VALUE in `d`; the result is gkdc_cbor_dec_error(d).
 */
enum gkdc_cbor_err gkdc_cwt_claims_decode(struct gkdc_cbor_dec *d,
                                          struct gkdc_cwt_claims *c);

/* Parses `in` as exactly one claims map; see gkdc_cwt_claims_decode(). */
enum gkdc_cbor_err gkdc_cwt_claims_parse(const uint8_t *in, size_t len,
                                         struct gkdc_cwt_claims *c);

/* Returns 1 when the aud claim is, or lists, the text `aud` (exact match);
 * 0 otherwise, also when aud is absent. */
int gkdc_cwt_aud_contains(const struct gkdc_cwt_claims *c, const char *aud);

/* Returns 1 when `now` (Unix seconds) is before exp and not before nbf,
 * each checked only when present; 0 otherwise. */
int gkdc_cwt_time_valid(const struct gkdc_cwt_claims *c, int64_t now);

/* Layers of COSE protection gkdc_cwt_unwrap() accepts around the claims. */
#define GKDC_CWT_MAX_LAYERS 3

/* What gkdc_cwt_unwrap() asks its key callback for. */
struct gkdc_cwt_key_query {
  enum gkdc_cose_type type; /* the message type of this layer */
  int32_t alg;              /* its protected alg */
  struct gkdc_bytes kid;    /* its kid, ptr NULL when absent */
  unsigned layer;           /* 0 for the outermost layer */
};

/*
 * Returns the key for one layer: a public key for COSE_Sign1, a symmetric
 * key for COSE_Mac0 and COSE_Encrypt0. Sets *key and *key_len (borrowed;
 * valid until gkdc_cwt_unwrap() returns) and *key_alg, the algorithm the
 * key is bound to, or 0 for any. Returns 1, or 0 when no key is known.
 */
typedef int (*gkdc_cwt_key_fn)(void *arg, const struct gkdc_cwt_key_query *query,
                               const uint8_t **key, size_t *key_len, int32_t *key_alg);

/*
 * Unwraps a CWT (RFC 8392 section 7.2): strips an optional CWT tag,
 * parses the COSE message (its type from the tag, or `untagged` when it
 * has none), asks `key_fn` for the key, verifies or decrypts with an empty
 * external AAD, and repeats while the payload is itself a tagged COSE
 * message or CWT, up to GKDC_CWT_MAX_LAYERS layers. Then parses the claims
 * set into `claims`.
 *
 * `work` (`work_len` bytes, caller-owned) receives decrypted plaintexts;
 * the sum of the ciphertext lengths is always enough. Views in `claims`
 * point into `token` or `work`. Returns GKDC_COSE_ERR_KEY when `key_fn`
 * has no key, GKDC_COSE_ERR_VERIFY when a check fails, and
 * GKDC_COSE_ERR_STRUCTURE when the innermost payload is not a valid
 * claims set (its CBOR error in *cbor_err, which may be NULL).
 */
enum gkdc_cose_err gkdc_cwt_unwrap(const struct gkdc_crypto *cx, const uint8_t *token,
                                   size_t len, enum gkdc_cose_type untagged,
                                   gkdc_cwt_key_fn key_fn, void *arg, uint8_t *work,
                                   size_t work_len, struct gkdc_cwt_claims *claims,
                                   enum gkdc_cbor_err *cbor_err);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_CWT_H */
