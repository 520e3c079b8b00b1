/*
 * The OSCORE protocol core (RFC 8613) of the profile-oscore plugin.
 *
 * A plain C library without libcoap types: it protects and unprotects
 * struct gkdc_coap_msg messages, serializes the inner (encrypted) CoAP
 * message itself and reaches cryptography only through the gkdc_crypto
 * adapter. It is built as a convenience library linked into the plugin and
 * into the unit tests.
 *
 * Roles. A security context has one Sender Context (our Sender ID, key and
 * sequence number) and one Recipient Context (the peer's ID, key and the
 * replay window). The same context serves as client or as server.
 *
 * Threading: none of these functions lock. The host is single-threaded.
 */
#ifndef GKDC_OSCORE_H
#define GKDC_OSCORE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/coapmsg.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ---- */

/* Longest Sender or Recipient ID: nonce length - 6 (RFC 8613 section 3.3),
 * 7 bytes for the 13-byte nonce of AES-CCM-16-64-128. */
#define GKDC_OSCORE_MAX_ID_LEN 7
/* Longest ID Context accepted. The OSCORE option gives it a one-byte length,
 * and the whole option is at most 255 bytes. */
#define GKDC_OSCORE_MAX_ID_CONTEXT_LEN 64
/* Longest Partial IV (RFC 8613 section 6.1). */
#define GKDC_OSCORE_MAX_PIV_LEN 5
/* Largest Sender Sequence Number: 2^40 - 1 (RFC 8613 section 7.2.1). */
#define GKDC_OSCORE_MAX_SSN ((UINT64_C(1) << 40) - 1)
/* Longest OSCORE option value (RFC 8613 section 2). */
#define GKDC_OSCORE_MAX_OPTION_LEN 255
/* Default and largest replay window sizes in sequence numbers. */
#define GKDC_OSCORE_REPLAY_WINDOW_DEFAULT 32
#define GKDC_OSCORE_REPLAY_WINDOW_MAX 64
/* The Echo option (RFC 9175), a class E option in OSCORE, and the length
 * of the values this core sends in it. */
#define GKDC_OPT_ECHO 252
#define GKDC_OSCORE_ECHO_LEN 8
/* Diagnostic payload of each OSCORE-layer error (RFC 8613 section 8.2). */
#define GKDC_OSCORE_DIAG_BAD_OPTION "Failed to decode COSE"
#define GKDC_OSCORE_DIAG_NO_CONTEXT "Security context not found"
#define GKDC_OSCORE_DIAG_REPLAY "Replay detected"
#define GKDC_OSCORE_DIAG_DECRYPT "Decryption failed"

/* ---- errors ---- */

/*
 * Result of every protect and unprotect operation. GKDC_OSCORE_OK is zero.
 * gkdc_oscore_error_response() maps the errors a server answers without
 * protection to their CoAP code and diagnostic payload.
 */
enum gkdc_oscore_status {
  GKDC_OSCORE_OK = 0,
  GKDC_OSCORE_ERR_BAD_OPTION,    /* malformed OSCORE option or no ciphertext: 4.02 */
  GKDC_OSCORE_ERR_NO_CONTEXT,    /* no security context, or more than one, matches: 4.01 */
  GKDC_OSCORE_ERR_REPLAY,        /* Partial IV already seen or below the window: 4.01 */
  GKDC_OSCORE_ERR_UNSYNCED,      /* replay window lost; freshness must be proven (Echo): 4.01 */
  GKDC_OSCORE_ERR_DECRYPT,       /* AEAD open failed: 4.00 */
  GKDC_OSCORE_ERR_BAD_INNER,     /* decrypted plaintext is not a valid CoAP message: 4.00 */
  GKDC_OSCORE_ERR_SEQ_EXHAUSTED, /* Sender Sequence Number space used up: new context needed */
  GKDC_OSCORE_ERR_SEQ_PERSIST,   /* the next sequence number is not persisted yet (App. B.1.1) */
  GKDC_OSCORE_ERR_NOT_PROTECTED, /* message carries no OSCORE option */
  GKDC_OSCORE_ERR_RESPONSE,      /* response does not match the request (client side): drop */
  GKDC_OSCORE_ERR_UNSUPPORTED,   /* message uses a feature this core does not protect */
  GKDC_OSCORE_ERR_BUFFER,        /* caller buffer or option table too small */
  GKDC_OSCORE_ERR_CRYPTO,        /* crypto provider failure or unknown algorithm */
  GKDC_OSCORE_ERR_INVALID,       /* invalid argument */
};

/* A short English name of a status, for logs. Never NULL. */
const char *gkdc_oscore_status_str(enum gkdc_oscore_status status);

/*
 * Maps a server-side unprotect error to the unprotected CoAP error response
 * of RFC 8613 section 8.2: 4.02 for BAD_OPTION, 4.01 for NO_CONTEXT, REPLAY
 * and UNSYNCED, 4.00 for DECRYPT and BAD_INNER. Sets *code (GKDC_CODE) and
 * *diag (a static NUL-terminated diagnostic payload) and returns 1; returns 0
 * for statuses that have no such response.
 */
int gkdc_oscore_error_response(enum gkdc_oscore_status status, uint8_t *code,
                               const char **diag);

/* ---- security context (oscore_context.c) ---- */

/*
 * Input of a derivation. All views are borrowed for the duration of
 * gkdc_oscore_ctx_new(). aead_alg 0 means the default 10
 * (AES-CCM-16-64-128); hkdf_alg 0 means HKDF SHA-256. hkdf_alg accepts
 * every value gkdc_crypto_hkdf_hash() accepts (5, 7, -10, -11, -16, -44).
 */
struct gkdc_oscore_params {
  int32_t aead_alg;
  int32_t hkdf_alg;
  struct gkdc_bytes master_secret; /* required, not empty */
  struct gkdc_bytes master_salt;   /* empty: the HKDF default salt */
  int has_id_context;              /* 0: no ID Context (nil in the info array) */
  struct gkdc_bytes id_context;
  struct gkdc_bytes sender_id;
  struct gkdc_bytes recipient_id;
  uint32_t replay_window; /* 0: GKDC_OSCORE_REPLAY_WINDOW_DEFAULT */
};

/*
 * Replay window of a Recipient Context (RFC 8613 section 7.4): a sliding
 * window of `size` sequence numbers ending at `highest`. Bit i of `seen`
 * stands for highest - i.
 */
enum gkdc_oscore_replay_state {
  GKDC_OSCORE_REPLAY_EMPTY = 0,  /* fresh context: nothing received yet */
  GKDC_OSCORE_REPLAY_ACTIVE = 1, /* `highest` and `seen` are valid */
  GKDC_OSCORE_REPLAY_UNSYNCED = 2, /* state lost: every request fails until resynced */
};

struct gkdc_oscore_replay {
  uint32_t state; /* enum gkdc_oscore_replay_state */
  uint32_t size;  /* window size, 1..GKDC_OSCORE_REPLAY_WINDOW_MAX */
  uint64_t highest;
  uint64_t seen;
};

/* Result of a replay check: not a boolean, because an invalid Partial IV is
 * neither fresh nor a replay. */
enum gkdc_oscore_replay_result {
  GKDC_OSCORE_REPLAY_OK = 0,      /* fresh: may be accepted */
  GKDC_OSCORE_REPLAY_REPLAY = 1,  /* seen before, or older than the window */
  GKDC_OSCORE_REPLAY_INVALID = 2, /* not a Partial IV (too long, above 2^40 - 1) */
  GKDC_OSCORE_REPLAY_NOSYNC = 3,  /* window lost; synchronize first (App. B.1.2) */
};

struct gkdc_oscore_cache;
struct gkdc_oscore_request;

/*
 * A derived security context. Owned by its creator; free with
 * gkdc_oscore_ctx_free(), which wipes the keys. Fields are read-only for
 * callers except through the functions below.
 */
struct gkdc_oscore_ctx {
  const struct gkdc_crypto *cx; /* borrowed; must outlive the context */
  int32_t aead_alg;
  size_t key_len;
  size_t nonce_len;
  size_t tag_len;

  uint8_t sender_id[GKDC_OSCORE_MAX_ID_LEN];
  size_t sender_id_len;
  uint8_t recipient_id[GKDC_OSCORE_MAX_ID_LEN];
  size_t recipient_id_len;
  int has_id_context;
  uint8_t id_context[GKDC_OSCORE_MAX_ID_CONTEXT_LEN];
  size_t id_context_len;

  uint8_t sender_key[GKDC_MAX_KEY_LEN];
  uint8_t recipient_key[GKDC_MAX_KEY_LEN];
  uint8_t common_iv[GKDC_MAX_NONCE_LEN];

  uint64_t ssn;       /* next Sender Sequence Number to use */
  uint64_t ssn_max;   /* largest usable Sender Sequence Number */
  uint64_t ssn_limit; /* with persistence: the persisted bound, else UINT64_MAX */
  uint64_t ssn_step;  /* K of Appendix B.1.1; 0 when persistence is off */

  struct gkdc_oscore_replay replay;
  struct gkdc_oscore_cache *cache; /* CON retransmission cache, or NULL */

  /* Echo value of an open freshness challenge (Appendix B.1.2). */
  int echo_set;
  uint8_t echo[GKDC_OSCORE_ECHO_LEN];

  /* The owner's data (the plugin: the bound token), released with
   * user_free by gkdc_oscore_ctx_free() when both are set. */
  void *user;
  void (*user_free)(void *user);
};

/*
 * Derives a security context (RFC 8613 section 3.2): Sender Key, Recipient
 * Key and Common IV from HKDF(salt = Master Salt, IKM = Master Secret,
 * info = [id, id_context / nil, alg_aead, "Key" / "IV", L]).
 * Checks the AEAD algorithm is registered with a nonce of at least 7 bytes
 * and that both IDs fit in nonce length - 6 bytes. The Sender Sequence
 * Number starts at 0, the replay window is empty, persistence is off.
 * Returns a new context, or NULL on invalid parameters or crypto failure.
 */
struct gkdc_oscore_ctx *gkdc_oscore_ctx_new(const struct gkdc_crypto *cx,
                                            const struct gkdc_oscore_params *p);

/* Releases the owner's data, wipes the keys and frees the context and its
 * cache; takes NULL. */
void gkdc_oscore_ctx_free(struct gkdc_oscore_ctx *ctx);

/*
 * Encodes the HKDF info array for one derived value into `out` (capacity
 * `cap`) and sets *out_len. `type` is "Key" or "IV". Returns 1, or 0 when
 * the buffer is too small.
 */
int gkdc_oscore_info_encode(const uint8_t *id, size_t id_len, int has_id_context,
                            const uint8_t *id_context, size_t id_context_len,
                            int32_t aead_alg, const char *type, size_t out_len_l,
                            uint8_t *out, size_t cap, size_t *out_len);

/*
 * Builds the AEAD nonce of RFC 8613 section 5.2 into `nonce` (nonce_len
 * bytes): the ID_PIV length byte, ID_PIV left-padded to nonce_len - 6
 * bytes, the Partial IV left-padded to 5 bytes, XOR the Common IV.
 * Returns 1, or 0 when id_piv or piv is too long.
 */
int gkdc_oscore_nonce(const struct gkdc_oscore_ctx *ctx, const uint8_t *id_piv,
                      size_t id_piv_len, const uint8_t *piv, size_t piv_len,
                      uint8_t *nonce);

/*
 * Encodes a sequence number as a Partial IV: big-endian, no leading zero
 * bytes, and 0 as one byte 0x00. Returns the length (1..5), or 0 when the
 * value exceeds GKDC_OSCORE_MAX_SSN.
 */
size_t gkdc_oscore_piv_encode(uint64_t seq, uint8_t piv[GKDC_OSCORE_MAX_PIV_LEN]);

/*
 * Decodes a Partial IV of 1..5 bytes into *seq. Returns 1, or 0 for an empty
 * or longer value.
 */
int gkdc_oscore_piv_decode(const uint8_t *piv, size_t len, uint64_t *seq);

/*
 * Sender Sequence Number persistence (RFC 8613 Appendix B.1.1).
 *
 * The store keeps a bound B per context with the promise that no sequence
 * number at or above B was ever used; B is the RFC's "stored value + K".
 * Enabling persistence with step K makes protect fail with
 * GKDC_OSCORE_ERR_SEQ_PERSIST until the caller has persisted a bound and
 * reported it with gkdc_oscore_ssn_persisted():
 *
 *   - gkdc_oscore_ssn_enable(ctx, K) on a fresh context (SSN 0);
 *   - gkdc_oscore_ssn_restore(ctx, B, K) after a restart continues at B;
 *   - gkdc_oscore_ssn_wanted() returns 1 and the next bound (SSN + K) to
 *     persist whenever fewer than K/2 numbers remain below the bound
 *     (always right after enable or restore);
 *   - gkdc_oscore_ssn_persisted(ctx, B) once B is durable: numbers below B
 *     become usable. A bound lower than the last one is rejected.
 *
 * Each returns 1, or 0 on an invalid argument (wanted: nothing to persist).
 */
int gkdc_oscore_ssn_enable(struct gkdc_oscore_ctx *ctx, uint64_t step);
int gkdc_oscore_ssn_restore(struct gkdc_oscore_ctx *ctx, uint64_t bound, uint64_t step);
int gkdc_oscore_ssn_wanted(const struct gkdc_oscore_ctx *ctx, uint64_t *bound);
int gkdc_oscore_ssn_persisted(struct gkdc_oscore_ctx *ctx, uint64_t bound);

/*
 * Builds the Master Salt of the ACE OSCORE profile (RFC 9203 section 4.3):
 * the CBOR byte strings of the `salt` input material (left out when
 * has_salt is 0), nonce1 and nonce2, concatenated. Returns 1 and sets *len,
 * or 0 when the buffer is too small.
 */
int gkdc_oscore_ace_master_salt(int has_salt, const uint8_t *salt, size_t salt_len,
                                const uint8_t *nonce1, size_t nonce1_len,
                                const uint8_t *nonce2, size_t nonce2_len, uint8_t *out,
                                size_t cap, size_t *len);

/* Labels of the OSCORE Security Context Parameters (RFC 9203 section
 * 3.2.1) and the `osc` confirmation method in a cnf map. */
#define GKDC_OSC_ID 0
#define GKDC_OSC_VERSION 1
#define GKDC_OSC_MS 2
#define GKDC_OSC_HKDF 3
#define GKDC_OSC_ALG 4
#define GKDC_OSC_SALT 5
#define GKDC_OSC_CONTEXT_ID 6
#ifndef GKDC_CNF_OSC
#define GKDC_CNF_OSC 4 /* as in <gkdc/cwt.h> */
#endif

/*
 * An OSCORE_Input_Material object. Views point into the parsed bytes.
 * Defaults fill absent fields: AEAD 10, HKDF 5 (HMAC 256/256, i.e. HKDF
 * SHA-256), version 1.
 */
struct gkdc_oscore_input_material {
  int has_id;
  struct gkdc_bytes id; /* the AS's handle; never enters the derivation */
  int has_ms;
  struct gkdc_bytes ms;
  int32_t hkdf_alg;
  int32_t aead_alg;
  int has_salt;
  struct gkdc_bytes salt;
  int has_context_id;
  struct gkdc_bytes context_id;
};

/*
 * Parses an OSCORE_Input_Material map strictly: integer keys 0 to 6 only
 * (any other field is an error), the types of RFC 9203 section 3.2.1,
 * version 1 only, `alg` and `hkdf` as integers or as known names, and `id`
 * and a non-empty `ms` present. Returns GKDC_OSCORE_OK, or
 * GKDC_OSCORE_ERR_INVALID (the server answers 4.00).
 */
enum gkdc_oscore_status gkdc_oscore_input_material_parse(const uint8_t *in, size_t len,
                                                         struct gkdc_oscore_input_material *out);

/*
 * Finds the `osc` method (4) in an encoded cnf map and sets *osc to the
 * encoded OSCORE_Input_Material (a view into `cnf`). Returns
 * GKDC_OSCORE_ERR_NO_CONTEXT when the map holds another method, and
 * GKDC_OSCORE_ERR_INVALID when it is not a map of one method.
 */
enum gkdc_oscore_status gkdc_oscore_cnf_osc(const uint8_t *cnf, size_t len,
                                            struct gkdc_bytes *osc);

/* Which end of the RFC 9203 exchange derives a context. */
enum gkdc_oscore_ace_role {
  GKDC_OSCORE_ACE_CLIENT = 0, /* Sender ID = ID2, Recipient ID = ID1 */
  GKDC_OSCORE_ACE_SERVER = 1, /* Sender ID = ID1, Recipient ID = ID2 */
};

/*
 * Derives the security context of the OSCORE profile (RFC 9203 section
 * 4.3): Master Secret, HKDF, AEAD and ID Context from the input material,
 * Master Salt from its salt and the two nonces (gkdc_oscore_ace_master_salt),
 * and the IDs by `role` from ID1 (ace_client_recipientid) and ID2
 * (ace_server_recipientid). Returns NULL when ID1 equals ID2 (the keys
 * would coincide), an ID is too long for the AEAD, or the derivation fails.
 */
struct gkdc_oscore_ctx *gkdc_oscore_ace_derive(const struct gkdc_crypto *cx,
                                               const struct gkdc_oscore_input_material *m,
                                               struct gkdc_bytes nonce1,
                                               struct gkdc_bytes nonce2, struct gkdc_bytes id1,
                                               struct gkdc_bytes id2,
                                               enum gkdc_oscore_ace_role role);

/* OAuth parameters of the token upload (RFC 9200 and RFC 9203). The
 * same values are in <gkdc/as.h> and <gkdc/profile.h>; the core keeps its
 * own names so that it depends on neither. */
#define GKDC_OAUTH_ACCESS_TOKEN_KEY 1
#define GKDC_OAUTH_NONCE1_KEY 40
#define GKDC_OAUTH_NONCE2_KEY 42
#define GKDC_OAUTH_CLIENT_RECIPIENTID_KEY 43
#define GKDC_OAUTH_SERVER_RECIPIENTID_KEY 44

/* The profile's fields of a POST to /authz-info; views into the payload. */
struct gkdc_oscore_authz_info {
  struct gkdc_bytes access_token;
  int has_nonce1;
  struct gkdc_bytes nonce1;
  int has_client_recipient_id;
  struct gkdc_bytes client_recipient_id; /* ID1 */
};

/*
 * Parses the application/ace+cbor map of a token upload: a well-formed
 * map (the gkdc decoder's rules: no duplicates, shortest form, no trailing
 * bytes) with a non-empty byte string access_token, and nonce1 and
 * ace_client_recipientid as byte strings when present. Other keys are left
 * to the KDC. Returns GKDC_OSCORE_OK or GKDC_OSCORE_ERR_INVALID (4.00).
 */
enum gkdc_oscore_status gkdc_oscore_authz_info_parse(const uint8_t *payload, size_t len,
                                                     struct gkdc_oscore_authz_info *out);

/*
 * Encodes the 2.01 payload of a token upload: {42: nonce2,
 * 44: ace_server_recipientid} plus `extra_count` encoded key/value pairs
 * of the KDC (kdcchallenge, sign_info, ...), sorted by key. Returns 1 and
 * sets *len, or 0 when the buffer is too small or a key repeats.
 */
int gkdc_oscore_authz_info_response(const uint8_t *nonce2, size_t nonce2_len,
                                    const uint8_t *server_id, size_t server_id_len,
                                    const uint8_t *extra, size_t extra_len,
                                    size_t extra_count, uint8_t *out, size_t cap,
                                    size_t *len);

/*
 * Small CBOR encoding steps on libcbor's cbor_encode_* functions, writing
 * at out + *pos in a buffer of capacity `cap` and advancing *pos. Each
 * returns 1, or 0 when the item does not fit. gkdc_oscore_cbor_advance()
 * takes the length a cbor_encode_* call returned (0 on failure).
 */
int gkdc_oscore_cbor_advance(size_t n, size_t *pos);
int gkdc_oscore_cbor_put_int(int64_t v, uint8_t *out, size_t cap, size_t *pos);

/*
 * Appends the CBOR byte string encoding of (p, len) at out + *pos (buffer
 * capacity `cap`) and advances *pos. Returns 1, or 0 when it does not fit.
 */
int gkdc_oscore_cbor_put_bstr(const uint8_t *p, size_t len, uint8_t *out, size_t cap,
                              size_t *pos);

/* ---- replay window (oscore_replay.c) ---- */

/* Initializes an empty window of `size` (0: default). Returns 1, or 0 for a
 * size above GKDC_OSCORE_REPLAY_WINDOW_MAX. */
int gkdc_oscore_replay_init(struct gkdc_oscore_replay *w, uint32_t size);

/* Checks `seq` without changing the window. */
enum gkdc_oscore_replay_result
gkdc_oscore_replay_check(const struct gkdc_oscore_replay *w, uint64_t seq);

/* Marks `seq` as received; call only after gkdc_oscore_replay_check()
 * returned OK for it and the message verified. Returns 1, or 0 (window
 * unchanged) when the check would not return OK. */
int gkdc_oscore_replay_update(struct gkdc_oscore_replay *w, uint64_t seq);

/*
 * Persistence of the window (RFC 8613 Appendix B.1.2).
 *
 * gkdc_oscore_replay_export() copies the state for the store. A snapshot
 * is exact only when the context processed no request after it was taken
 * (a controlled shutdown); gkdc_oscore_replay_restore() with exact = 1
 * installs it as it was. With exact = 0 (a snapshot that may be stale, or
 * none), the window becomes UNSYNCED: every check returns NOSYNC until the
 * server has verified the freshness of one request (with the Echo option)
 * and calls gkdc_oscore_replay_resync() with its Partial IV, which becomes
 * the lower limit of the window: that number counts as received and every
 * lower one as a replay.
 */
void gkdc_oscore_replay_export(const struct gkdc_oscore_replay *w,
                               struct gkdc_oscore_replay *out);
int gkdc_oscore_replay_restore(struct gkdc_oscore_replay *w,
                               const struct gkdc_oscore_replay *saved, int exact);
int gkdc_oscore_replay_resync(struct gkdc_oscore_replay *w, uint64_t seq);

/* Length of the encoded window: version, state, size, highest, seen. */
#define GKDC_OSCORE_REPLAY_STATE_LEN 19

/*
 * Encodes a window snapshot into the bytes the store keeps, and decodes
 * them back (checking the format version, state and size). The decoded
 * snapshot goes through gkdc_oscore_replay_restore(), which checks the
 * rest. Each returns 1, or 0 on invalid input.
 */
int gkdc_oscore_replay_encode(const struct gkdc_oscore_replay *w,
                              uint8_t out[GKDC_OSCORE_REPLAY_STATE_LEN]);
int gkdc_oscore_replay_decode(const uint8_t *in, size_t len, struct gkdc_oscore_replay *out);

/*
 * Replay window recovery with the Echo option (RFC 8613 Appendix B.1.2),
 * for a request that gkdc_oscore_unprotect_request() returned as
 * GKDC_OSCORE_ERR_UNSYNCED:
 *
 *   - gkdc_oscore_echo_resync() accepts it when its inner Echo option
 *     repeats the context's open challenge: the request's Partial IV
 *     becomes the lower limit of the window and the status is OK;
 *   - otherwise the server opens a challenge with gkdc_oscore_echo_set()
 *     (8 random bytes; an open one is kept), builds the 4.01 with
 *     gkdc_oscore_echo_response() and protects it with
 *     GKDC_OSCORE_PIV_OWN, as the appendix requires.
 */
void gkdc_oscore_echo_set(struct gkdc_oscore_ctx *ctx,
                          const uint8_t value[GKDC_OSCORE_ECHO_LEN]);
enum gkdc_oscore_status gkdc_oscore_echo_resync(struct gkdc_oscore_ctx *ctx,
                                                const struct gkdc_coap_msg *inner,
                                                const struct gkdc_oscore_request *req);

/* Builds the plain 4.01 carrying the open Echo value, answering `inner`
 * (its token and message ID; ACK for a CON, else NON). Views point into
 * `ctx`. Returns 1, or 0 when no challenge is open. */
int gkdc_oscore_echo_response(const struct gkdc_oscore_ctx *ctx,
                              const struct gkdc_coap_msg *inner, struct gkdc_coap_msg *out);

/* ---- OSCORE option (oscore_option.c) ---- */

/* Flag bits of the first option byte (RFC 8613 section 6.1). */
#define GKDC_OSCORE_FLAG_N_MASK 0x07
#define GKDC_OSCORE_FLAG_K 0x08
#define GKDC_OSCORE_FLAG_H 0x10
#define GKDC_OSCORE_FLAG_RESERVED 0xe0

/* The decoded OSCORE option. Views point into the option value. */
struct gkdc_oscore_option {
  struct gkdc_bytes piv; /* empty when absent */
  int has_kid_context;
  struct gkdc_bytes kid_context;
  int has_kid;
  struct gkdc_bytes kid;
};

/*
 * Encodes the OSCORE option value into `out` (capacity `cap`), sets *len.
 * All flags zero gives an empty value. Returns 1, or 0 when a field is too
 * long or the buffer too small.
 */
int gkdc_oscore_option_encode(const struct gkdc_oscore_option *opt, uint8_t *out,
                              size_t cap, size_t *len);

/*
 * Decodes an OSCORE option value strictly: reserved bits (0xe0) set, n = 6
 * or 7, fewer bytes than the flags announce, h = 1 without the kid context
 * length byte or its bytes, and a non-empty value whose flags are all zero
 * all give GKDC_OSCORE_ERR_BAD_OPTION. Never reads past value + len.
 */
enum gkdc_oscore_status gkdc_oscore_option_decode(const uint8_t *value, size_t len,
                                                  struct gkdc_oscore_option *out);

/* Option classes of RFC 8613 section 4.1 (a bit set). */
#define GKDC_OSCORE_CLASS_E 0x1
#define GKDC_OSCORE_CLASS_U 0x2

/* The classes of an option number: unknown options are class E. */
unsigned gkdc_oscore_option_class(uint16_t number);

/* ---- CoAP serialization (oscore_coap.c) ---- */

/*
 * Encodes `count` options (sorted by number, as struct gkdc_coap_msg keeps
 * them) in the option format of RFC 7252 section 3.1 into `out`. With
 * out == NULL only computes the length. Returns 1 and sets *len, or 0 when
 * options are out of order or the buffer is too small.
 */
int gkdc_oscore_options_encode(const struct gkdc_coap_option *opts, size_t count,
                               uint8_t *out, size_t cap, size_t *len);

/*
 * Parses options and payload from `in` (an options-and-payload section of a
 * CoAP message) into msg->options and msg->payload, with views into `in`.
 * Reserved nibble 15 outside the payload marker, a payload marker followed
 * by nothing, a truncated option and more than GKDC_COAP_MAX_OPTIONS
 * options are errors. Returns 1, or 0 on malformed input.
 */
int gkdc_oscore_options_decode(const uint8_t *in, size_t len,
                               struct gkdc_coap_msg *msg);

/* Encodes a whole CoAP datagram (RFC 7252 section 3). Returns 1 and sets
 * *len, or 0 when the buffer is too small or the message invalid. */
int gkdc_oscore_msg_encode(const struct gkdc_coap_msg *msg, uint8_t *out,
                           size_t cap, size_t *len);

/* Parses a whole CoAP datagram; views point into `in`. Returns 1 or 0. */
int gkdc_oscore_msg_decode(const uint8_t *in, size_t len, struct gkdc_coap_msg *msg);

/* Decodes a uint option value (RFC 7252 section 3.2: big-endian, no
 * leading zeros required, empty for 0) of at most 4 bytes. Returns 1, or 0
 * for a longer value. */
int gkdc_oscore_option_uint(const struct gkdc_coap_option *opt, uint32_t *v);

/* The first option with `number`, or NULL. */
const struct gkdc_coap_option *gkdc_oscore_msg_find(const struct gkdc_coap_msg *msg,
                                                    uint16_t number);

/* ---- protection (oscore_protect.c) ---- */

/*
 * What the two ends keep between a request and its responses (RFC 8613
 * section 8): the request's kid and Partial IV for the AAD, its nonce for a
 * response without Partial IV, whether that nonce was used already (only
 * one response may reuse it), and the notification state of an Observe
 * registration.
 */
struct gkdc_oscore_request {
  uint8_t kid[GKDC_OSCORE_MAX_ID_LEN];
  size_t kid_len;
  uint8_t piv[GKDC_OSCORE_MAX_PIV_LEN];
  size_t piv_len;
  uint8_t nonce[GKDC_MAX_NONCE_LEN];
  size_t nonce_len;
  int nonce_used;   /* a response already reused the request nonce */
  int observe;      /* the request registered an observation (Observe 0) */
  int notified;     /* client: a notification was accepted */
  uint64_t notification_number; /* client: highest notification Partial IV */
  int unnumbered_seen; /* client: a response without Partial IV was accepted */
  int answered;     /* client: the final (non-notification) response was accepted */
  uint8_t observe_value[3]; /* client: Observe value handed to the application */
};

/* How a server protects a response. */
enum gkdc_oscore_piv_mode {
  GKDC_OSCORE_PIV_AUTO = 0, /* reuse the request nonce once, then own Partial IVs */
  GKDC_OSCORE_PIV_OWN = 1,  /* always take a new Partial IV */
};

/*
 * Protects a request (client side, RFC 8613 section 8.1). `in` is the plain
 * request; `out` receives the OSCORE message: header and token copied, class
 * U options kept (views into `in`), the OSCORE option and the ciphertext
 * written into `buf` (capacity `cap`), outer code POST, or FETCH when `in`
 * has an Observe option. With `send_kid_context` set and an ID Context in
 * the context, the option carries it as kid context. `req` receives the
 * binding for the response.
 * Takes one Sender Sequence Number; on failure the context is unchanged.
 */
enum gkdc_oscore_status
gkdc_oscore_protect_request(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                            int send_kid_context, struct gkdc_coap_msg *out,
                            uint8_t *buf, size_t cap, struct gkdc_oscore_request *req);

/*
 * Unprotects a request (server side, RFC 8613 section 8.2) with a context
 * already found for its kid. Decodes the option (BAD_OPTION), checks the
 * kid against the Recipient ID (NO_CONTEXT), the Partial IV against the
 * replay window (REPLAY, UNSYNCED), opens the ciphertext (DECRYPT), parses
 * the plaintext (BAD_INNER) and only then updates the window. `out`
 * receives the inner request: the decrypted code, the inner options merged
 * with the outer class U options, the payload; its views point into `buf`
 * (capacity: at least the ciphertext length) and into `in`. `req` receives
 * the binding for the response.
 *
 * GKDC_OSCORE_ERR_UNSYNCED means the request verified but the replay window
 * was lost (Appendix B.1.2): `out` and `req` are filled and the window is
 * unchanged. The server either answers an unprotected 4.01, or proves
 * freshness with the Echo option: a protected 4.01 carrying Echo (with
 * GKDC_OSCORE_PIV_OWN), and once a request echoes the value,
 * gkdc_oscore_replay_resync() with that request's Partial IV.
 */
enum gkdc_oscore_status
gkdc_oscore_unprotect_request(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                              struct gkdc_coap_msg *out, uint8_t *buf, size_t cap,
                              struct gkdc_oscore_request *req);

/*
 * Protects a response (server side, RFC 8613 section 8.3) to the request
 * bound in `req`. Uses the request nonce when `mode` is AUTO, the response
 * is not an Observe notification and no earlier response used it; otherwise
 * it takes a new Partial IV and sends it. An empty message (code 0) is
 * never protected (INVALID). Outer code 2.04, or 2.05 for a notification,
 * whose inner Observe option is empty and whose outer Observe option keeps
 * the value. As for requests, the outer (class U) options of `out` are
 * views into `in`, which must outlive `out`; the OSCORE option and the
 * ciphertext are in `buf`.
 */
enum gkdc_oscore_status
gkdc_oscore_protect_response(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                             enum gkdc_oscore_piv_mode mode, struct gkdc_coap_msg *out,
                             uint8_t *buf, size_t cap, struct gkdc_oscore_request *req);

/*
 * Unprotects a response (client side, RFC 8613 section 8.4) to the request
 * bound in `req`. A response with a Partial IV uses the Recipient ID for the
 * nonce; one without uses the request nonce. For an observation, a
 * notification must carry a Partial IV above the Notification Number (at
 * most one response without Partial IV is accepted, and it must come
 * first); an inner Observe option in the response to a non-Observe request
 * is an error. Every failure is GKDC_OSCORE_ERR_RESPONSE or DECRYPT, and the
 * client drops the message without answering. For a notification the
 * Observe option of `out` holds the three low bytes of the Partial IV.
 */
enum gkdc_oscore_status
gkdc_oscore_unprotect_response(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *in,
                               struct gkdc_coap_msg *out, uint8_t *buf, size_t cap,
                               struct gkdc_oscore_request *req);

/* What a client does with a response to a protected request. */
enum gkdc_oscore_response_kind {
  GKDC_OSCORE_RESPONSE_PROTECTED = 0,  /* has an OSCORE option: unprotect it */
  GKDC_OSCORE_RESPONSE_EMPTY = 1,      /* empty ACK or RST: never protected */
  GKDC_OSCORE_RESPONSE_OSCORE_ERROR = 2, /* unprotected 4.00, 4.01 or 4.02 */
  GKDC_OSCORE_RESPONSE_DROP = 3,       /* any other unprotected response */
};

/* Classifies a response to an OSCORE request before unprotecting it. */
enum gkdc_oscore_response_kind
gkdc_oscore_response_classify(const struct gkdc_coap_msg *msg);

/*
 * Builds the external_aad of RFC 8613 section 5.4 wrapped into the AAD
 * Enc_structure ["Encrypt0", h'', external_aad] into `out`. Returns 1 and
 * sets *len, or 0 when the buffer is too small.
 */
int gkdc_oscore_aad_encode(int32_t aead_alg, const uint8_t *kid, size_t kid_len,
                           const uint8_t *piv, size_t piv_len, uint8_t *out,
                           size_t cap, size_t *len);

/* The same, without the Enc_structure: the aad_array itself. */
int gkdc_oscore_aad_array_encode(int32_t aead_alg, const uint8_t *kid, size_t kid_len,
                                 const uint8_t *piv, size_t piv_len, uint8_t *out,
                                 size_t cap, size_t *len);

/* ---- response cache for CON retransmissions (oscore_cache.c) ---- */

/* Entries kept per context and their lifetime: EXCHANGE_LIFETIME of
 * RFC 7252 section 4.8.2 (247 s). */
#define GKDC_OSCORE_CACHE_ENTRIES 8
#define GKDC_OSCORE_CACHE_LIFETIME_MS 247000u

/*
 * Looks up a retransmission of an already answered CON request: same
 * message ID, token and OSCORE option and payload bytes. On a hit returns
 * 1 and points *response and *response_len at the cached protected
 * response datagram (valid until the next cache call on this context).
 * Entries older than GKDC_OSCORE_CACHE_LIFETIME_MS are dropped.
 */
int gkdc_oscore_cache_lookup(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *request,
                             uint64_t now_ms, const uint8_t **response,
                             size_t *response_len);

/*
 * Stores the protected response datagram to a CON request, replacing the
 * oldest entry when full. Copies everything. Returns 1, or 0 on allocation
 * failure or a request that is not CON or not protected.
 */
int gkdc_oscore_cache_store(struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *request,
                            uint64_t now_ms, const uint8_t *response, size_t response_len);

/* Frees a cache and wipes the responses in it; takes NULL. Called by
 * gkdc_oscore_ctx_free(). */
void gkdc_oscore_cache_free_all(struct gkdc_oscore_cache *cache);

/* ---- context lookup (oscore_ctxset.c) ---- */

/* A set of security contexts, looked up by (kid, kid context). */
struct gkdc_oscore_ctxset;

struct gkdc_oscore_ctxset *gkdc_oscore_ctxset_new(void);
/* Frees the set and every context in it; takes NULL. */
void gkdc_oscore_ctxset_free(struct gkdc_oscore_ctxset *set);

/*
 * Adds a context; the set takes ownership. Refuses (returns 0, context not
 * taken) a context whose (Recipient ID, ID Context) is already present.
 */
int gkdc_oscore_ctxset_add(struct gkdc_oscore_ctxset *set, struct gkdc_oscore_ctx *ctx);

/* Removes and frees a context of the set; returns 1 when it was present. */
int gkdc_oscore_ctxset_remove(struct gkdc_oscore_ctxset *set, struct gkdc_oscore_ctx *ctx);

/*
 * Finds the context for a request: its Recipient ID equals `kid` and, when
 * has_kid_context is set, its ID Context equals `kid_context`. Without a kid
 * context every context with that Recipient ID matches, and more than one
 * match is ambiguous. Returns GKDC_OSCORE_OK and sets *out (get0: borrowed,
 * owned by the set), or GKDC_OSCORE_ERR_NO_CONTEXT for no or several matches.
 */
enum gkdc_oscore_status
gkdc_oscore_ctxset_find(const struct gkdc_oscore_ctxset *set, const uint8_t *kid,
                        size_t kid_len, int has_kid_context, const uint8_t *kid_context,
                        size_t kid_context_len, struct gkdc_oscore_ctx **out);

/* Number of contexts in the set. */
size_t gkdc_oscore_ctxset_count(const struct gkdc_oscore_ctxset *set);

/* The context at `index` (0 to count - 1), or NULL. get0: owned by the set. */
struct gkdc_oscore_ctx *gkdc_oscore_ctxset_get0(const struct gkdc_oscore_ctxset *set,
                                                size_t index);

/*
 * Picks the server's Recipient ID (ID2 of RFC 9203 section 4.2): the
 * smallest value of 1 to min(max_len, 4) bytes, starting at h'00', that
 * differs from the client's `id1` and from every Recipient ID in `set`.
 * Writes it to `out` (at least max_len bytes) and returns 1, or 0 when
 * none is free.
 */
int gkdc_oscore_pick_recipient_id(const struct gkdc_oscore_ctxset *set, const uint8_t *id1,
                                  size_t id1_len, size_t max_len, uint8_t *out,
                                  size_t *out_len);

/*
 * Finds the context for an OSCORE request message: decodes its option
 * (BAD_OPTION when malformed, or when the kid is missing) and looks up
 * (kid, kid context).
 */
enum gkdc_oscore_status
gkdc_oscore_ctxset_find_for_request(const struct gkdc_oscore_ctxset *set,
                                    const struct gkdc_coap_msg *request,
                                    struct gkdc_oscore_ctx **out);

/* ---- inner request and response for the router (oscore_dispatch.c) ---- */

/* Path segments and queries an inner request may carry. */
#define GKDC_OSCORE_MAX_PATH 16
#define GKDC_OSCORE_MAX_QUERY 16

/* A gkdc_request with the arrays its path and query views live in. */
struct gkdc_oscore_inner {
  struct gkdc_request request;
  struct gkdc_bytes path[GKDC_OSCORE_MAX_PATH];
  struct gkdc_bytes query[GKDC_OSCORE_MAX_QUERY];
};

/*
 * Builds the request a route handler sees from a decrypted inner request:
 * method, Uri-Path and Uri-Query segments, Content-Format, Accept, Observe
 * and payload, with views into `msg`; `peer` is borrowed. Returns 1, or 0
 * when the code is not a method, a uint option is malformed, there are too
 * many segments, or an unknown critical option is present (the caller
 * answers 4.02, protected).
 */
int gkdc_oscore_inner_request(const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer,
                              struct gkdc_oscore_inner *out);

/*
 * Builds the inner response message from a handler's response: code,
 * Observe (when `observe` >= 0), Location-Path, Content-Format, Max-Age
 * and payload. Option values are written into `scratch` (12 bytes
 * suffice); other views point into `resp`. Returns 1, or 0 when the code is
 * not a response code or the options do not fit.
 */
int gkdc_oscore_inner_response(const struct gkdc_response *resp, int32_t observe,
                               struct gkdc_coap_msg *out, uint8_t *scratch, size_t cap);

/*
 * Builds the unprotected error response of an OSCORE-layer failure (see
 * gkdc_oscore_error_response()): the code, an outer Max-Age of 0 and the
 * diagnostic payload. Returns 1, or 0 for a status without one.
 */
int gkdc_oscore_error_message(enum gkdc_oscore_status status, struct gkdc_coap_msg *out);

#ifdef __cplusplus
}
#endif

#endif /* GKDC_OSCORE_H */
