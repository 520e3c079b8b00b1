/*
 * gkdc plugin SDK: the credfmt plugin kind (one authentication credential
 * format each).
 *
 * A credfmt plugin serves exactly one format, identified by the COSE Header
 * Parameter label that carries it (the `cred_fmt` value of RFC 9594 and of
 * the Group_OSCORE_Input_Material object). The host registers the table
 * under `cose_header_label`, and host->find_credfmt() returns it.
 *
 * A credential is kept as the exact bytes it was received in: those bytes
 * are signed over, hashed, fed into Group OSCORE key derivation and handed
 * to other members, so they are never re-encoded. Parsing only adds a view
 * of the public key and the identifying fields.
 *
 * Operations return 1 on success and 0 on failure. Where an `err` pointer is
 * passed and is not NULL, a failing operation stores an enum gkdc_cred_err
 * value there; on success it is left alone.
 */
#ifndef GKDC_CREDFMT_H
#define GKDC_CREDFMT_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * COSE Header Parameter labels that name credential formats (IANA "COSE
 * Header Parameters"). kcwt and kccs: RFC 9528. x5bag and x5chain: RFC 9360.
 * c5b and c5c: draft-ietf-cose-cbor-encoded-cert-20, registered by IANA but
 * not yet in a published RFC.
 */
#define GKDC_COSE_HDR_KCWT 13
#define GKDC_COSE_HDR_KCCS 14
#define GKDC_COSE_HDR_C5B 24
#define GKDC_COSE_HDR_C5C 25
#define GKDC_COSE_HDR_X5BAG 32
#define GKDC_COSE_HDR_X5CHAIN 33

/* COSE key types (IANA "COSE Key Types"). */
#define GKDC_COSE_KTY_OKP 1
#define GKDC_COSE_KTY_EC2 2

/* Largest credential a plugin accepts, in bytes. Larger input is rejected
 * with GKDC_CRED_ERR_TOO_LARGE before any decoding. */
#define GKDC_CRED_MAX_LEN 8192

/* Error codes of the credential operations. */
enum gkdc_cred_err {
  GKDC_CRED_OK = 0,
  GKDC_CRED_ERR_MALFORMED = 1,       /* not well-formed, or not this format's structure */
  GKDC_CRED_ERR_TOO_LARGE = 2,       /* input above GKDC_CRED_MAX_LEN or a plugin limit */
  GKDC_CRED_ERR_NO_KEY = 3,          /* no public key where the format puts it */
  GKDC_CRED_ERR_UNSUPPORTED_KEY = 4, /* key type, curve or algorithm gkdc does not implement */
  GKDC_CRED_ERR_INVALID_KEY = 5,     /* wrong key length, point not on the curve, or
                                      * an `alg` that does not fit the key */
  GKDC_CRED_ERR_UNTRUSTED = 6,       /* certificate path does not reach a trust anchor */
  GKDC_CRED_ERR_EXPIRED = 7,         /* outside the validity period */
  GKDC_CRED_ERR_BUFFER = 8,          /* caller's output buffer too small */
  GKDC_CRED_ERR_INTERNAL = 9,        /* allocation or crypto provider failure */
};

/* Opaque parsed credential, allocated by the plugin's parse and released by
 * its free. It owns a copy of the credential bytes. */
typedef struct gkdc_cred gkdc_cred;

/*
 * The format-independent view of a parsed credential. All views point into
 * memory owned by the gkdc_cred and stay valid until it is freed.
 */
struct gkdc_cred_info {
  uint32_t size;
  int64_t cred_fmt;         /* the COSE Header Parameter label of the format */
  int32_t kty;              /* GKDC_COSE_KTY_* of the subject public key */
  int32_t curve;            /* GKDC_COSE_CRV_* of the subject public key */
  int32_t alg;              /* COSE algorithm: stated by the credential, else the
                             * default for (kty, curve): EdDSA for Ed25519, ES256
                             * for P-256, 0 for ECDH-only curves */
  int alg_stated;           /* 1 when the credential itself names `alg` */
  struct gkdc_bytes pub;    /* public key in the raw encoding of <gkdc/alg.h>;
                             * P-256 keys given compressed stay compressed */
  struct gkdc_bytes encoded; /* the exact credential bytes, as received */
  struct gkdc_bytes end_entity; /* the part that enters a Group OSCORE security
                                 * context: equal to `encoded` for CCS; the
                                 * end-entity certificate of a chain or bag */
  int has_subject;          /* 1 when the credential has a subject */
  struct gkdc_bytes subject; /* CCS `sub` (UTF-8, may be empty), certificate subject */
  int has_kid;              /* 1 when the credential has a key identifier */
  struct gkdc_bytes kid;    /* COSE_Key `kid`, or subjectKeyIdentifier */
  int64_t not_before;       /* Unix seconds; 0 when the credential has none */
  int64_t not_after;        /* Unix seconds; 0 when the credential has none */
};

/* Flags for parse. */
#define GKDC_CRED_PARSE_ALLOW_TAGGED 0x1 /* accept a CBOR tag around a CBOR credential */

/* Comparison modes of match. */
enum gkdc_cred_match {
  GKDC_CRED_MATCH_BYTES = 1, /* the same encoded bytes */
  GKDC_CRED_MATCH_KEY = 2,   /* the same kty, curve and public key */
};

/*
 * The credfmt operation table. `st` is the state the plugin's init returned.
 */
struct gkdc_credfmt_ops {
  uint32_t size;

  /* The COSE Header Parameter label this plugin serves (GKDC_COSE_HDR_*).
   * The registry keys on it, so it stays right after `size`. */
  int64_t cose_header_label;
  /* Short format name for logs and `gkdc inspect`, e.g. "ccs". */
  const char *name;

  /*
   * Parses the credential in `in` (`in_len` bytes, exactly one encoded
   * credential with no trailing bytes) and returns a new handle through
   * *out. Checks the structure, the key type and curve, the key length and
   * that the public key is a valid point. `flags` is a set of
   * GKDC_CRED_PARSE_*. The handle copies the input; the caller frees it with
   * free. On failure *out is left NULL and *err set.
   */
  int (*parse)(void *st, const uint8_t *in, size_t in_len, uint32_t flags,
               gkdc_cred **out, int *err);

  /* Releases a handle from parse. Takes NULL. */
  void (*free)(void *st, gkdc_cred *cred);

  /* Returns the view of a parsed credential. get0: borrowed from `cred`. */
  const struct gkdc_cred_info *(*info_get0)(void *st, const gkdc_cred *cred);

  /*
   * Writes the credential bytes to `out` exactly as they were received
   * (`*out_len` holds the capacity on input and the length on output).
   * Fails with GKDC_CRED_ERR_BUFFER, writing nothing, when it does not fit.
   */
  int (*encode)(void *st, const gkdc_cred *cred, uint8_t *out, size_t *out_len,
                int *err);

  /* Returns 1 when `a` and `b` are equal under `how` (enum
   * gkdc_cred_match), 0 otherwise. */
  int (*match)(void *st, const gkdc_cred *a, const gkdc_cred *b, int how);

  /*
   * Optional, for certificate formats. Checks the credential's chain
   * against the trust anchors (each an encoded certificate of this format)
   * at time `now` (Unix seconds). NULL in formats without issuers, such as
   * CCS, whose trust comes from configuration.
   */
  int (*validate)(void *st, const gkdc_cred *cred,
                  const struct gkdc_bytes *anchors, size_t anchor_count,
                  int64_t now, int *err);
};

#ifdef __cplusplus
}
#endif

#endif /* GKDC_CREDFMT_H */
