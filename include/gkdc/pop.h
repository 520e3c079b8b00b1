/*
 * gkdc plugin SDK: the pop plugin kind (one proof-of-possession method each).
 *
 * A pop plugin creates and verifies the evidence of RFC 9594:
 * `client_cred_verify` over CBOR_bstr(scope) | CBOR_bstr(N_S) | CBOR_bstr(N_C)
 * and `kdc_cred_verify` over CBOR_bstr(N_C) | CBOR_bstr(N_KDC), where "|" is
 * byte concatenation and each part is a CBOR byte string with its head.
 * gkdc_pop_input_client() and gkdc_pop_input_kdc() below build those inputs.
 *
 * Methods, keyed by `name`:
 *   "sign"    a signature with the group's Signature Algorithm (groups that
 *             use the group mode);
 *   "dh-mac"  HKDF-SHA-256(salt = empty, IKM = static-static ECDH secret,
 *             info = PoP input, L = 8), for pairwise-only groups.
 *
 * Operations return 1 on success and 0 on failure. Where an `err` pointer is
 * passed and is not NULL, a failing operation stores an enum gkdc_pop_err
 * value there. Private keys are only read and are never logged.
 */
#ifndef GKDC_POP_H
#define GKDC_POP_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>
#include <gkdc/credfmt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Method names. */
#define GKDC_POP_SIGN "sign"
#define GKDC_POP_DH_MAC "dh-mac"

/* Largest evidence any method produces: a DER ECDSA P-256 signature. */
#define GKDC_POP_MAX_EVIDENCE_LEN 72

/* Error codes of the PoP operations. */
enum gkdc_pop_err {
  GKDC_POP_OK = 0,
  GKDC_POP_ERR_INVALID = 1,     /* evidence does not verify, or has the wrong form */
  GKDC_POP_ERR_UNSUPPORTED = 2, /* algorithm or curve this method cannot use */
  GKDC_POP_ERR_KEY_MISMATCH = 3, /* key type or curve differs from the group's */
  GKDC_POP_ERR_BAD_ARGUMENT = 4, /* missing key, empty input, wrong sizes */
  GKDC_POP_ERR_BUFFER = 5,      /* caller's output buffer too small */
  GKDC_POP_ERR_INTERNAL = 6,    /* crypto provider failure */
};

/* Flags in gkdc_pop_params.flags. */
/*
 * ES256 evidence in the DER form that Java's SHA256withECDSA produces and
 * expects: create writes DER, verify accepts DER or raw r||s. Without the
 * flag create writes raw r||s (the COSE encoding) and verify accepts only
 * that. The flag has no effect on EdDSA or on "dh-mac".
 */
#define GKDC_POP_F_ECDSA_DER 0x1

/* The group's algorithm parameters that select and shape the evidence. */
struct gkdc_pop_params {
  uint32_t size;
  uint32_t flags;      /* GKDC_POP_F_* */
  int32_t sign_alg;    /* group's Signature Algorithm ("sign"), e.g. -8, -7 */
  int32_t sign_curve;  /* curve of sign_params' key capabilities; 0: from the credential */
  int32_t ecdh_alg;    /* group's Pairwise Key Agreement Algorithm ("dh-mac"), e.g. -27 */
  int32_t ecdh_curve;  /* curve of ecdh_params' key capabilities, e.g. X25519 4 */
};

/* A private key with the parsed credential of its public key. */
struct gkdc_pop_key {
  uint32_t size;
  const struct gkdc_cred_info *cred; /* the key owner's credential */
  const uint8_t *priv;               /* raw private key, <gkdc/alg.h> encoding */
  size_t priv_len;
};

/*
 * The pop operation table. `st` is the state the plugin's init returned.
 */
struct gkdc_pop_ops {
  uint32_t size;

  /* Method name the registry keys on (GKDC_POP_SIGN, GKDC_POP_DH_MAC). */
  const char *name;

  /*
   * Creates evidence over `input` (`input_len` bytes) with the prover's key
   * `own`. `peer` is the verifier's credential: required by "dh-mac" (its
   * public key enters the ECDH), ignored by "sign" (may be NULL).
   * `*evidence_len` holds the capacity on input and the length written on
   * output; GKDC_POP_MAX_EVIDENCE_LEN always fits.
   */
  int (*create)(void *st, const struct gkdc_pop_params *params,
                const struct gkdc_pop_key *own,
                const struct gkdc_cred_info *peer, const uint8_t *input,
                size_t input_len, uint8_t *evidence, size_t *evidence_len,
                int *err);

  /*
   * Verifies `evidence` over `input` as coming from the holder of
   * `prover`'s private key. `own` is the verifier's key: required by
   * "dh-mac", ignored by "sign" (may be NULL). Fails with
   * GKDC_POP_ERR_INVALID when the evidence does not verify, and with
   * GKDC_POP_ERR_KEY_MISMATCH when the prover's key does not fit `params`.
   */
  int (*verify)(void *st, const struct gkdc_pop_params *params,
                const struct gkdc_pop_key *own,
                const struct gkdc_cred_info *prover, const uint8_t *input,
                size_t input_len, const uint8_t *evidence,
                size_t evidence_len, int *err);
};

/* Bytes that a CBOR byte string head for `len` takes (shortest form). */
static inline size_t gkdc_pop_bstr_head_len(size_t len) {
  if (len < 24)
    return 1;
  if (len <= 0xff)
    return 2;
  if (len <= 0xffff)
    return 3;
  if (len <= 0xffffffffu)
    return 5;
  return 9;
}

/* Appends CBOR_bstr(data) at out + *pos; the caller checked the room. */
static inline void gkdc_pop_bstr_put(uint8_t *out, size_t *pos,
                                     const uint8_t *data, size_t len) {
  size_t head = gkdc_pop_bstr_head_len(len);
  size_t i;

  if (head == 1) {
    out[(*pos)++] = (uint8_t)(0x40 | len);
  } else {
    out[(*pos)++] = (uint8_t)(0x40 | (head == 2 ? 24 : head == 3 ? 25 : head == 5 ? 26 : 27));
    for (i = head - 1; i > 0; i--)
      out[(*pos)++] = (uint8_t)((uint64_t)len >> (8 * (i - 1)));
  }
  for (i = 0; i < len; i++)
    out[(*pos)++] = data[i];
}

/*
 * Writes the concatenation of CBOR byte strings holding each of the `count`
 * parts into `out`. `*out_len` holds the capacity on input and the length
 * written on output. Returns 0, writing nothing, when it does not fit.
 */
static inline int gkdc_pop_input_build(const struct gkdc_bytes *parts,
                                       size_t count, uint8_t *out,
                                       size_t *out_len) {
  size_t need = 0;
  size_t pos = 0;
  size_t i;

  for (i = 0; i < count; i++) {
    size_t part = gkdc_pop_bstr_head_len(parts[i].len) + parts[i].len;
    if (part < parts[i].len || need + part < need)
      return 0;
    need += part;
  }
  if (out == NULL || need > *out_len)
    return 0;

  for (i = 0; i < count; i++)
    gkdc_pop_bstr_put(out, &pos, parts[i].ptr, parts[i].len);
  *out_len = pos;
  return 1;
}

/*
 * Builds the client PoP input CBOR_bstr(scope) | CBOR_bstr(N_S) |
 * CBOR_bstr(N_C) of RFC 9594 section 4.3.1. `scope` is the content of the
 * Join Request's `scope` byte string (the encoded scope entry).
 */
static inline int gkdc_pop_input_client(struct gkdc_bytes scope,
                                        struct gkdc_bytes n_s,
                                        struct gkdc_bytes n_c, uint8_t *out,
                                        size_t *out_len) {
  struct gkdc_bytes parts[3];

  parts[0] = scope;
  parts[1] = n_s;
  parts[2] = n_c;
  return gkdc_pop_input_build(parts, 3, out, out_len);
}

/* Builds the KDC PoP input CBOR_bstr(N_C) | CBOR_bstr(N_KDC) of RFC 9594
 * section 4.3.1. */
static inline int gkdc_pop_input_kdc(struct gkdc_bytes n_c,
                                     struct gkdc_bytes n_kdc, uint8_t *out,
                                     size_t *out_len) {
  struct gkdc_bytes parts[2];

  parts[0] = n_c;
  parts[1] = n_kdc;
  return gkdc_pop_input_build(parts, 2, out, out_len);
}

#ifdef __cplusplus
}
#endif

#endif /* GKDC_POP_H */
