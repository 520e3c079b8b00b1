/*
 * gkdc: the Group OSCORE security context of a joining node (RFC 10021),
 * derived from the Group_OSCORE_Input_Material object (`key`) of a Join
 * Response, and the group part of `gkdc join`.
 *
 * Derivations (RFC 10021 section 2), all HKDF(salt, IKM, info, L) with the
 * group's HKDF, where info is the CBOR array
 * [id: bstr, id_context: bstr (the Gid), alg: int, type: tstr, L: uint]:
 *
 *   Sender Key       salt Master Salt, IKM Master Secret, id Sender ID,
 *                    alg Group Encryption Algorithm if set, else AEAD
 *                    Algorithm; type "Key"; L that algorithm's key length.
 *   Recipient Key    the same with id = the peer's Sender ID.
 *   Common IV        id h'', alg as for the Sender Key, type "IV", L the
 *                    larger nonce length of the two algorithms.
 *   Signature Encryption Key (group mode only)
 *                    id h'', alg Group Encryption Algorithm, type "SEKey",
 *                    L its key length.
 *   Pairwise Sender Key (pairwise mode, per peer X)
 *                    salt Sender Key, IKM = own credential | X's credential |
 *                    shared secret, id own Sender ID, alg AEAD Algorithm,
 *                    type "Key", L its key length.
 *   Pairwise Recipient Key
 *                    salt Recipient Key(X), IKM = X's credential | own
 *                    credential | shared secret, id X's Sender ID, the rest
 *                    as above.
 *
 * The shared secret is the static-static ECDH secret of the own private
 * key and X's public key on the curve of the group's ecdh_params. Ed25519
 * keys are mapped to X25519 (RFC 7748 section 4.1) for an X25519 group.
 * Credentials enter the IKM as their exact bytes (for CCS the untagged
 * claims set, for certificate chains the end-entity certificate), without
 * a CBOR byte string head.
 *
 * A context owns copies of everything it was built from and wipes the
 * secrets when it is freed. The context does not parse credentials: the
 * caller hands in each credential's bytes with its public key and curve,
 * as a credfmt plugin extracted them.
 *
 * Functions return 1 on success and 0 on failure. Where an `err` pointer
 * is passed and is not NULL, a failing function stores an enum
 * gkdc_groupctx_err value there. A failed update leaves the context as it
 * was.
 */
#ifndef GKDC_GROUPCTX_H
#define GKDC_GROUPCTX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gkdc/crypto.h>
#include <gkdc/host.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors of the groupctx functions. */
enum gkdc_groupctx_err {
  GKDC_GROUPCTX_OK = 0,
  GKDC_GROUPCTX_ERR_MALFORMED = 1,   /* not well-formed CBOR, or a field of the wrong type */
  GKDC_GROUPCTX_ERR_MISSING = 2,     /* a required field is absent */
  GKDC_GROUPCTX_ERR_UNSUPPORTED = 3, /* an algorithm, curve or combination gkdc does not implement */
  GKDC_GROUPCTX_ERR_SENDER_ID = 4,   /* a Sender ID too long for the algorithms, or used twice */
  GKDC_GROUPCTX_ERR_KEY = 5,         /* a key of the wrong curve or length, or ECDH failed */
  GKDC_GROUPCTX_ERR_CRYPTO = 6,      /* the crypto provider failed */
  GKDC_GROUPCTX_ERR_NOMEM = 7,
  GKDC_GROUPCTX_ERR_BUFFER = 8,      /* the caller's buffer is too small */
  GKDC_GROUPCTX_ERR_IO = 9,          /* writing the output file failed (errno is kept) */
  GKDC_GROUPCTX_ERR_NOT_FOUND = 10,  /* no peer with that Sender ID */
};

/* Returns a static English description of an enum gkdc_groupctx_err. */
const char *gkdc_groupctx_err_str(int err);

/* Longest Sender ID any supported algorithm allows: a 16-byte nonce
 * minus 6 (RFC 10021 section 2.2). */
#define GKDC_GROUPCTX_MAX_SID_LEN 10

/* Bits of gkdc_groupctx_material.present, one per `key` label. */
#define GKDC_GROUPCTX_HAS(label) (UINT32_C(1) << (label))

/*
 * The parsed `key` object. Views point into the parsed input. An
 * algorithm that is absent is 0 ("not set"); `present` tells which labels
 * the object carried (GKDC_GROUPCTX_HAS(GKDC_OSC_KEY_*)).
 */
struct gkdc_groupctx_material {
  uint32_t size;
  uint32_t present;
  struct gkdc_bytes ms;        /* Master Secret */
  struct gkdc_bytes salt;      /* Master Salt; empty when absent */
  struct gkdc_bytes gid;       /* contextId: the Gid */
  struct gkdc_bytes sender_id; /* group_SenderId; empty when absent */
  int32_t hkdf;                /* HMAC algorithm: 5 (default) or 7 */
  int32_t alg;                 /* AEAD Algorithm (pairwise mode) */
  int64_t cred_fmt;
  int32_t gp_enc_alg;          /* Group Encryption Algorithm (group mode) */
  int32_t sign_alg;
  int32_t sign_kty;            /* from sign_params' key type capabilities */
  int32_t sign_curve;
  int32_t ecdh_alg;            /* Pairwise Key Agreement Algorithm */
  int32_t ecdh_kty;            /* from ecdh_params' key type capabilities */
  int32_t ecdh_curve;
};

/*
 * Parses a Group_OSCORE_Input_Material object (`key`, `key_len` bytes of
 * CBOR) into *out. Checks the type of every known field and ignores
 * unknown labels. Requires nothing: the caller checks what its message
 * must carry (gkdc_groupctx_new() requires ms and contextId). Algorithms
 * given as text strings are rejected as unsupported. `out` views point
 * into `key`.
 */
int gkdc_groupctx_material_parse(const uint8_t *key, size_t key_len,
                                 struct gkdc_groupctx_material *out, int *err);

/* The node's own credential and private key. All empty for a Monitor or a
 * Verifier, which have no Sender Context. */
struct gkdc_groupctx_own {
  struct gkdc_bytes cred;   /* the credential bytes registered at the Group Manager */
  int32_t curve;            /* curve of its key (GKDC_COSE_CRV_*) */
  struct gkdc_bytes priv;   /* raw private key, <gkdc/alg.h> encoding */
};

/* A member as the Join Response lists it (creds + peer_identifiers). */
struct gkdc_groupctx_peer {
  struct gkdc_bytes sender_id;
  struct gkdc_bytes cred;   /* the credential bytes that enter the derivation */
  int32_t curve;            /* curve of its public key */
  struct gkdc_bytes pub;    /* raw public key, <gkdc/alg.h> encoding */
  uint64_t roles;           /* Tperm roles from peer_roles, 0 when unknown */
};

typedef struct gkdc_groupctx gkdc_groupctx;

/* A derived Recipient Context. Views belong to the context and change
 * with every update. */
struct gkdc_groupctx_recipient {
  struct gkdc_bytes recipient_id;
  struct gkdc_bytes cred;
  uint64_t roles;
  struct gkdc_bytes recipient_key;
  int has_pairwise;                       /* 1 when pairwise keys were derived */
  struct gkdc_bytes pairwise_sender_key;  /* own pairwise key towards this peer */
  struct gkdc_bytes pairwise_recipient_key;
};

/* The Common and Sender Context. Views belong to the context. */
struct gkdc_groupctx_info {
  struct gkdc_bytes gid;
  struct gkdc_bytes ms;
  struct gkdc_bytes salt;
  int32_t hkdf, alg, gp_enc_alg, sign_alg, ecdh_alg;
  int32_t sign_kty, sign_curve, ecdh_kty, ecdh_curve;
  int64_t cred_fmt;
  int group_mode;                 /* gp_enc_alg and sign_alg are set */
  int pairwise_mode;              /* alg and ecdh_alg are set */
  int has_sender;                 /* 0 for a Monitor or a Verifier */
  struct gkdc_bytes sender_id;
  struct gkdc_bytes sender_key;
  struct gkdc_bytes common_iv;
  struct gkdc_bytes sign_enc_key; /* empty unless group mode */
  struct gkdc_bytes own_cred;
  struct gkdc_bytes gm_cred;      /* the Group Manager's credential, kdc_cred */
  size_t max_sid_len;
};

/*
 * Derives a new context from the material `m` (which must carry ms and
 * contextId), the node's own credential and key (`own`, NULL or empty for
 * a node without a Sender ID) and the Group Manager's credential `gm_cred`
 * (may be empty). The Sender ID is m->sender_id; a node with a private key
 * needs one. `cx` is borrowed and must outlive the context. Add the
 * members with gkdc_groupctx_peer_add(). *out receives the new context.
 */
int gkdc_groupctx_new(const struct gkdc_crypto *cx,
                      const struct gkdc_groupctx_material *m,
                      const struct gkdc_groupctx_own *own,
                      struct gkdc_bytes gm_cred, gkdc_groupctx **out, int *err);

/* Frees a context and wipes its secrets. Takes NULL. */
void gkdc_groupctx_free(gkdc_groupctx *g);

/*
 * Adds a member and derives its Recipient Key and, in pairwise mode for a
 * node with a Sender ID, its pairwise keys. Replaces an existing peer of
 * the same Sender ID (a member that uploaded a new credential). Fails with
 * GKDC_GROUPCTX_ERR_SENDER_ID when the ID is the node's own or too long.
 */
int gkdc_groupctx_peer_add(gkdc_groupctx *g, const struct gkdc_groupctx_peer *p,
                           int *err);

/* Removes the member `sender_id` (a stale Sender ID) and wipes its keys.
 * Fails with GKDC_GROUPCTX_ERR_NOT_FOUND when there is none. */
int gkdc_groupctx_peer_remove(gkdc_groupctx *g, struct gkdc_bytes sender_id,
                              int *err);

/*
 * Applies new keying material (a rekeying message, or a Key Distribution
 * Response): Gid, Master Secret and Master Salt are replaced (an absent
 * salt means an empty one); each algorithm field `m` carries replaces the
 * current one; a group_SenderId in `m` replaces the Sender ID, otherwise it
 * is kept. Every key is derived again for every peer. On failure the
 * context is unchanged.
 */
int gkdc_groupctx_rekey(gkdc_groupctx *g, const struct gkdc_groupctx_material *m,
                        int *err);

/* Replaces the Sender ID (Key Renewal, `group_senderId`) and derives the
 * Sender Key and pairwise keys again. On failure the context is unchanged. */
int gkdc_groupctx_sender_id_set(gkdc_groupctx *g, struct gkdc_bytes sender_id,
                                int *err);

/* Replaces the node's own credential and private key (after a credential
 * upload) and derives the pairwise keys again. On failure the context is
 * unchanged. */
int gkdc_groupctx_own_set(gkdc_groupctx *g, const struct gkdc_groupctx_own *own, int *err);

/* Fills *out with views of the Common and Sender Context. */
void gkdc_groupctx_info_get(const gkdc_groupctx *g, struct gkdc_groupctx_info *out);

/* Returns the number of Recipient Contexts. */
size_t gkdc_groupctx_peer_count(const gkdc_groupctx *g);

/* Fills *out with Recipient Context `i` (0 <= i < peer_count). Returns 0
 * when `i` is out of range. */
int gkdc_groupctx_peer_get(const gkdc_groupctx *g, size_t i,
                           struct gkdc_groupctx_recipient *out);

/* Fills *out with the Recipient Context of `sender_id`; returns 0 when
 * there is none. */
int gkdc_groupctx_peer_find(const gkdc_groupctx *g, struct gkdc_bytes sender_id,
                            struct gkdc_groupctx_recipient *out);

/* ---- Output ---- */

/*
 * The context file: one CBOR map, written by gkdc_groupctx_encode(). Labels
 * 2 to 13 are those of the Group_OSCORE_Input_Material object; the others
 * are gkdc's own:
 *
 *   0  format version, 1
 *   1  group name (tstr), absent when unknown
 *   2  ms          3  hkdf        4  alg (absent: not set)   5  salt
 *   6  Gid         7  Sender ID (absent for a node without one)
 *   8  cred_fmt    9  gp_enc_alg  10 sign_alg    12 ecdh_alg
 *   11 sign curve [kty, crv]      13 ecdh curve [kty, crv]
 *   20 Sender Key  21 Common IV   22 Signature Encryption Key
 *   23 own credential            24 Group Manager credential
 *   25 key version `num`, absent when unknown
 *   26 recipients: array of maps {0: Recipient ID, 1: credential,
 *      2: Recipient Key, 3: pairwise sender key, 4: pairwise recipient key,
 *      5: roles}
 *
 * Absent algorithms and keys are left out. The file contains secrets: it is
 * created with mode 0600.
 */
#define GKDC_GROUPCTX_FILE_VERSION 1
#define GKDC_GROUPCTX_F_VERSION 0
#define GKDC_GROUPCTX_F_NAME 1
#define GKDC_GROUPCTX_F_SENDER_KEY 20
#define GKDC_GROUPCTX_F_COMMON_IV 21
#define GKDC_GROUPCTX_F_SIGN_ENC_KEY 22
#define GKDC_GROUPCTX_F_OWN_CRED 23
#define GKDC_GROUPCTX_F_GM_CRED 24
#define GKDC_GROUPCTX_F_NUM 25
#define GKDC_GROUPCTX_F_RECIPIENTS 26

/* Descriptive fields the file carries besides the derived context. */
struct gkdc_groupctx_meta {
  const char *group_name; /* NULL when unknown */
  int has_num;
  int64_t num;
};

/*
 * Encodes the context as the file's CBOR map into `out` (`*out_len` holds
 * the capacity on input and receives the length). With `out` NULL only
 * the needed length is stored. `meta` may be NULL.
 */
int gkdc_groupctx_encode(const gkdc_groupctx *g, const struct gkdc_groupctx_meta *meta,
                         uint8_t *out, size_t *out_len, int *err);

/*
 * Writes the encoded context to `path` with mode 0600: to a temporary file
 * in the same directory, synced, then renamed over `path`. The encoding is
 * wiped from memory afterwards.
 */
int gkdc_groupctx_write_file(const gkdc_groupctx *g,
                             const struct gkdc_groupctx_meta *meta,
                             const char *path, int *err);

/*
 * Writes the fingerprint of `data` to `hex`: the first 4 bytes of its
 * SHA-256 digest as 8 lowercase hex digits and a NUL. Two nodes compare
 * keys by their fingerprints without showing them.
 */
int gkdc_groupctx_fingerprint(const struct gkdc_crypto *cx, struct gkdc_bytes data,
                              char hex[9]);

/*
 * Prints a summary of the context to `out`: Gid, Sender IDs and
 * algorithms in clear, and fingerprints instead of every key.
 */
int gkdc_groupctx_print(const gkdc_groupctx *g, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_GROUPCTX_H */
