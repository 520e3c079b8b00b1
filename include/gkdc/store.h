/*
 * gkdc plugin SDK: the store plugin kind (durable KDC state).
 *
 * A store keeps everything the KDC and the profiles must not forget across a
 * restart or a crash. That is the access tokens and their bookkeeping, the
 * OSCORE security contexts bound to them and the AS counters. It is also the
 * groups with their keying material, members, Sender IDs and stale Sender ID
 * sets.
 *
 * Conventions of every operation in struct gkdc_store_ops:
 *
 *   - The first argument `st` is the state the store plugin's init returned
 *     (struct gkdc_provider.state).
 *   - Operations return 1 on success and 0 on failure. After a failure,
 *     last_error() returns the reason (enum gkdc_store_error) and
 *     last_error_detail() a message for the log. A failed operation changes
 *     nothing: each one runs inside its own savepoint.
 *   - A "get" operation that finds nothing fails with GKDC_STORE_E_NOT_FOUND.
 *   - Input records and byte strings are borrowed for the duration of the
 *     call; the store copies what it keeps.
 *   - A record that a get operation returns through `**out` is owned by the
 *     caller, who releases it with record_free(). Its strings and byte views
 *     point into the same allocation. record_free() wipes the whole record,
 *     because several records contain secrets.
 *   - A record handed to a visitor callback is borrowed and valid only during
 *     that callback. The store reads all matching rows before it calls the
 *     first visitor, so a visitor may call other operations of the store.
 *     A visitor returns 1 to continue and 0 to stop; stopping is not an
 *     error.
 *   - Every write is durable when the operation (or the enclosing
 *     transaction's commit) returns 1.
 *
 * Transactions: outside begin()/commit(), each operation commits on its
 * own. Between begin() and commit() all operations join one transaction, so
 * a KDC can, for example, allocate a Sender ID, store the member and its
 * credential and commit the whole join before it sends the Join Response.
 * rollback() discards everything since begin(). Transactions do not nest.
 *
 * Secrets (Master Secrets, token claims holding an OSCORE Master Secret) are
 * stored, so the store keeps its files readable by their owner only and
 * never logs record contents.
 */
#ifndef GKDC_STORE_H
#define GKDC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reason of the last failed operation. Values are part of the ABI. */
enum gkdc_store_error {
  GKDC_STORE_OK = 0,
  GKDC_STORE_E_NOT_FOUND = 1, /* no such group, member, token, context, ... */
  GKDC_STORE_E_EXISTS = 2,    /* a record with that key exists already */
  GKDC_STORE_E_USED = 3,      /* the Gid or Sender ID was used before */
  GKDC_STORE_E_EXHAUSTED = 4, /* no fresh Sender ID of the allowed length */
  GKDC_STORE_E_INVALID = 5,   /* an argument or record field is invalid */
  GKDC_STORE_E_STATE = 6,     /* transaction misuse: nested begin, commit without begin */
  GKDC_STORE_E_TOO_SMALL = 7, /* a caller buffer is too small */
  GKDC_STORE_E_NOMEM = 8,     /* allocation failed */
  GKDC_STORE_E_IO = 9,        /* the database failed (disk full, I/O error, busy) */
};

/* ---- access tokens ---- */

/* Token flags. */
#define GKDC_STORE_TOKEN_SIGN_INFO 0x1    /* the client requested sign_info */
#define GKDC_STORE_TOKEN_ECDH_INFO 0x2    /* the client requested ecdh_info */
#define GKDC_STORE_TOKEN_KDC_DH_CREDS 0x4 /* the client requested kdc_dh_creds */
#define GKDC_STORE_TOKEN_HAS_CTI_SEQ 0x8  /* cti_issuer and cti_seq are set */

/*
 * An access token accepted at /authz-info (or through a DTLS identity).
 *
 * token_id is the stable key: the token's cti, or a hash of its claims when
 * it has none. expires_at is computed by the store as the earlier of exp and
 * received + exi (0 when neither is set) and is ignored on input.
 *
 * When a token with the same token_id is stored again, the store keeps the
 * first `received` time, so re-posting a token never extends its exi
 * lifetime (RFC 9200 §5.10.3).
 */
struct gkdc_store_token {
  uint32_t size;               /* sizeof(struct gkdc_store_token) */
  uint32_t flags;              /* GKDC_STORE_TOKEN_* */
  struct gkdc_bytes token_id;  /* 1 to 255 bytes */
  const char *ace_profile;     /* e.g. "coap_oscore"; required */
  const char *audience;        /* the audience it was accepted for, or NULL */
  struct gkdc_bytes scope;     /* the scope claim, encoded CBOR */
  struct gkdc_bytes raw;       /* the token bytes as received */
  struct gkdc_bytes claims;    /* decrypted claims, encoded CBOR map; SECRET */
  struct gkdc_bytes cnf_kid;   /* kid of the PoP key or OSCORE input material id; may be empty */
  int64_t exp;                 /* exp claim, Unix seconds; 0 when absent */
  int64_t exi;                 /* exi claim, seconds; 0 when absent */
  int64_t received;            /* first receipt, Unix seconds */
  int64_t expires_at;          /* output only, see above */
  struct gkdc_bytes cti_issuer; /* issuer part of an exi token's cti */
  uint64_t cti_seq;            /* sequence number part of an exi token's cti */
  struct gkdc_bytes kdcchallenge; /* N_S sent to this client; may be empty */
  struct gkdc_bytes profile_data; /* opaque bytes of the profile plugin */
};

/* cti bookkeeping flags. */
#define GKDC_STORE_CTI_SEEN 0x1    /* max_seq and window are valid */
#define GKDC_STORE_CTI_EXPIRED 0x2 /* max_expired is valid */

/*
 * Sequence-number bookkeeping for the exi tokens of one issuer (RFC 9200
 * §5.10.3: cti = issuer identifier || sequence number). Bit i of `window`
 * is set when sequence number max_seq - i was seen. max_expired is the
 * highest sequence number of a purged token of that issuer; every sequence
 * number at or below it counts as expired.
 */
struct gkdc_store_cti {
  uint32_t size; /* sizeof(struct gkdc_store_cti) */
  uint32_t flags; /* GKDC_STORE_CTI_* */
  uint64_t max_seq;
  uint64_t window;
  uint64_t max_expired;
};

/* Outcome of cti_accept(). */
enum gkdc_store_cti_result {
  GKDC_STORE_CTI_ACCEPTED = 0, /* fresh: recorded as seen */
  GKDC_STORE_CTI_REPLAYED = 1, /* seen before */
  GKDC_STORE_CTI_TOO_OLD = 2,  /* below the window: cannot tell, treat as replay */
  GKDC_STORE_CTI_IS_EXPIRED = 3, /* at or below max_expired */
};

/* ---- OSCORE security contexts of a transport profile ---- */

/*
 * A pairwise OSCORE security context between the host and one client
 * (RFC 9203), kept so that it survives a restart.
 *
 * The key is (recipient_id, id_context): the kid and kid context of the
 * requests the host receives. has_id_context distinguishes an absent ID
 * Context from an empty one.
 *
 * ssn_bound is the sender sequence number high-water mark of RFC 8613
 * Appendix B.1.1: no sequence number at or above it has been used. The
 * profile raises it by a step K with oscctx_set_ssn_bound() before it uses
 * a sequence number that reaches the stored value, and after a restart it
 * resumes at the stored value. The store never lowers it.
 *
 * The context is deleted with its token (token_delete, token_purge_expired).
 */
struct gkdc_store_oscctx {
  uint32_t size; /* sizeof(struct gkdc_store_oscctx) */
  uint32_t has_id_context;          /* 1 when id_context is present */
  struct gkdc_bytes token_id;       /* the bound token; must be stored */
  struct gkdc_bytes sender_id;
  struct gkdc_bytes recipient_id;
  struct gkdc_bytes id_context;
  struct gkdc_bytes master_secret;  /* SECRET */
  struct gkdc_bytes master_salt;
  int32_t aead_alg;                 /* COSE algorithm id */
  int32_t hkdf_alg;                 /* COSE algorithm id of the HKDF */
  uint64_t ssn_bound;
  struct gkdc_bytes replay_window;  /* opaque replay window of the profile */
  int64_t created;                  /* Unix seconds */
};

/* ---- groups ---- */

/* Group flags. */
#define GKDC_STORE_GROUP_ACTIVE 0x1        /* new members may join, traffic may flow */
#define GKDC_STORE_GROUP_MODE 0x2          /* the group uses the group mode */
#define GKDC_STORE_GROUP_PAIRWISE_MODE 0x4 /* the group uses the pairwise mode */

/*
 * One group and its current keying material.
 *
 * key_version is the RFC 9594 `num`. It never decreases and a value is never
 * handed out twice for a group name: group_rekey() increments it, and a
 * group created again under a name that existed before starts after the last
 * version ever used under that name. gid is the current Group Identifier
 * (the Group OSCORE ID Context); a Gid is never used twice by any group of
 * the store.
 *
 * Algorithm fields hold COSE ids, 0 meaning "not set". sign_params and
 * ecdh_params are encoded CBOR arrays ([alg capab, key type capab]).
 * `config` is opaque to the store, for example the application profile's
 * encoded group policies. config_digest is any digest of the group's
 * configuration that the caller wants to compare against on restart.
 */
struct gkdc_store_group {
  uint32_t size; /* sizeof(struct gkdc_store_group) */
  uint32_t flags;                   /* GKDC_STORE_GROUP_* */
  const char *name;                 /* group name = GROUPNAME; required */
  struct gkdc_bytes gid;            /* current Gid */
  uint64_t key_version;             /* num; on create: the requested initial value */
  struct gkdc_bytes master_secret;  /* SECRET */
  struct gkdc_bytes master_salt;    /* may be empty */
  int64_t exp;                      /* expiration of the keying material, Unix seconds; 0 none */
  uint32_t max_stale_sets;          /* N of the stale Sender ID sets, at least 1 */
  int32_t hkdf_alg;                 /* HMAC algorithm id of the HKDF (5 = HMAC 256/256) */
  int64_t cred_fmt;                 /* COSE header label of the credential format */
  int32_t gp_enc_alg;               /* Group Encryption Algorithm */
  int32_t sign_alg;                 /* Signature Algorithm */
  int32_t aead_alg;                 /* AEAD Algorithm of the pairwise mode */
  int32_t ecdh_alg;                 /* Pairwise Key Agreement Algorithm */
  struct gkdc_bytes sign_params;
  struct gkdc_bytes ecdh_params;
  struct gkdc_bytes config;         /* opaque configuration bytes */
  struct gkdc_bytes config_digest;
  int64_t created;                  /* Unix seconds; output only */
};

/* Member flags. */
#define GKDC_STORE_MEMBER_POP_DONE 0x1 /* the KDC verified PoP of `cred` */

/*
 * One member of a group.
 *
 * token_id is the token the membership is bound to (one member per token
 * and group). A member without the Requester or Responder role (a monitor)
 * has no Sender ID: has_sender_id is 0. A stored Sender ID must have been
 * obtained under the group's current Gid with sid_allocate() or sid_claim(),
 * and no two members of a group have the same Sender ID. `cred` is the
 * authentication credential byte for byte as the member sent it.
 */
struct gkdc_store_member {
  uint32_t size; /* sizeof(struct gkdc_store_member) */
  uint32_t flags;                   /* GKDC_STORE_MEMBER_* */
  const char *group;                /* group name; required */
  const char *node_name;            /* NODENAME; required */
  struct gkdc_bytes token_id;       /* bound token id (not an OSCORE Recipient ID) */
  uint32_t roles;                   /* Tperm role bitmask of the latest join */
  uint32_t has_sender_id;
  struct gkdc_bytes sender_id;
  struct gkdc_bytes cred;           /* may be empty for a monitor */
  int64_t cred_fmt;                 /* COSE header label of cred's format */
  const char *control_uri;          /* NULL when the member gave none */
  int64_t joined;                   /* first join, Unix seconds */
  int64_t updated;                  /* latest change, Unix seconds */
  struct gkdc_bytes birth_gid;      /* Gid at the latest join; may be empty */
  struct gkdc_bytes clientchallenge; /* N_C of the latest Join Request */
  struct gkdc_bytes join_scope;     /* scope byte string of the latest Join Request */
};

/* Visitors; see the conventions at the top of this file. */
typedef int (*gkdc_store_token_fn)(void *arg, const struct gkdc_store_token *t);
typedef int (*gkdc_store_oscctx_fn)(void *arg, const struct gkdc_store_oscctx *c);
typedef int (*gkdc_store_group_fn)(void *arg, const struct gkdc_store_group *g);
typedef int (*gkdc_store_member_fn)(void *arg, const struct gkdc_store_member *m);
/* One Sender ID of the stale set of key version `version`. */
typedef int (*gkdc_store_sid_fn)(void *arg, uint64_t version, const uint8_t *sid,
                                 size_t sid_len);

/* Names of the AS's counters (counter_next): the sequence number in the
 * cti of issued tokens, and the next OSCORE input material id. */
#define GKDC_STORE_COUNTER_AS_CTI_SEQ "as.cti_seq"
#define GKDC_STORE_COUNTER_AS_OSCORE_ID "as.oscore_id"

/* Maximum Sender ID length sid_allocate() accepts (RFC 8613 §3.3: nonce
 * length - 6, at most 7 bytes for a 13-byte nonce). */
#define GKDC_STORE_SID_MAX 7

/*
 * The store operation table.
 */
struct gkdc_store_ops {
  uint32_t size;

  /* ---- errors ---- */

  /* Returns the reason of the latest failed operation (GKDC_STORE_OK when the
   * latest operation succeeded). */
  int (*last_error)(void *st);
  /* Returns a message about the latest failure, borrowed until the next
   * operation. It never contains record contents. */
  const char *(*last_error_detail)(void *st);

  /* ---- transactions ---- */

  /* Starts a write transaction. Fails with GKDC_STORE_E_STATE inside one. */
  int (*begin)(void *st);
  /* Makes the transaction durable. On failure the transaction is rolled
   * back. Fails with GKDC_STORE_E_STATE outside a transaction. */
  int (*commit)(void *st);
  /* Discards the transaction. Outside a transaction it does nothing and
   * returns 1. */
  int (*rollback)(void *st);

  /* Releases a record returned through `**out` by any get operation. Takes
   * NULL. */
  void (*record_free)(void *st, void *record);

  /* ---- counters ---- */

  /*
   * Named durable counters, for example the AS's cti sequence number and its
   * next OSCORE input material id. counter_next() stores value + 1 and
   * returns the value before the increment in *value: 0 for a counter never
   * used. A value is never returned twice, even across a crash.
   * counter_get() returns the value counter_next() would return, without
   * changing it. counter_raise() makes the next value at least `min_next`.
   */
  int (*counter_next)(void *st, const char *name, uint64_t *value);
  int (*counter_get)(void *st, const char *name, uint64_t *value);
  int (*counter_raise)(void *st, const char *name, uint64_t min_next);

  /* ---- tokens ---- */

  /* Inserts a token or updates the one with the same token_id (keeping its
   * first `received` time and its OSCORE contexts). */
  int (*token_put)(void *st, const struct gkdc_store_token *t);
  /* Returns a copy of a token in *out. */
  int (*token_get)(void *st, const uint8_t *token_id, size_t token_id_len,
                   struct gkdc_store_token **out);
  /* Replaces a token's N_S (kdcchallenge); `len` may be 0. */
  int (*token_set_kdcchallenge)(void *st, const uint8_t *token_id,
                                size_t token_id_len, const uint8_t *n_s,
                                size_t len);
  /* Deletes a token and its OSCORE contexts. Members bound to it stay: the
   * KDC removes them (and rekeys) itself. */
  int (*token_delete)(void *st, const uint8_t *token_id, size_t token_id_len);
  /* Deletes every token with 0 < expires_at <= now, with its OSCORE contexts,
   * and raises the issuer's max_expired for each purged token that has a cti
   * sequence number. *count receives the number of tokens deleted; it may be
   * NULL. */
  int (*token_purge_expired)(void *st, int64_t now, uint64_t *count);
  /* Calls fn for every token, ordered by token_id. */
  int (*token_list)(void *st, gkdc_store_token_fn fn, void *arg);

  /* ---- cti sequence-number bookkeeping (RFC 9200 §5.10.3) ---- */

  /* Reads the bookkeeping of an issuer into the caller's *out. */
  int (*cti_get)(void *st, const uint8_t *issuer, size_t issuer_len,
                 struct gkdc_store_cti *out);
  /* Replaces the bookkeeping of an issuer. */
  int (*cti_put)(void *st, const uint8_t *issuer, size_t issuer_len,
                 const struct gkdc_store_cti *in);
  /*
   * Checks sequence number `seq` of an issuer against the bookkeeping and, if
   * it is fresh, records it as seen. *result receives an enum
   * gkdc_store_cti_result; the operation returns 1 whatever the verdict.
   * The same token posted again yields GKDC_STORE_CTI_REPLAYED, which the
   * caller may accept: RFC 9203 lets a client post a stored token again.
   */
  int (*cti_accept)(void *st, const uint8_t *issuer, size_t issuer_len,
                    uint64_t seq, int *result);

  /* ---- OSCORE security contexts ---- */

  /* Inserts a context or replaces the one with the same (recipient_id,
   * id_context). The bound token must be stored. A replaced context keeps
   * the higher of the two ssn_bound values. */
  int (*oscctx_put)(void *st, const struct gkdc_store_oscctx *c);
  /* Returns a copy of a context in *out. id_context NULL means "absent". */
  int (*oscctx_get)(void *st, const uint8_t *recipient_id, size_t recipient_id_len,
                    const struct gkdc_bytes *id_context,
                    struct gkdc_store_oscctx **out);
  /* Raises the sender sequence number bound; a lower value leaves the stored
   * one unchanged (and still succeeds). *stored, which may be NULL, receives
   * the bound now stored. */
  int (*oscctx_set_ssn_bound)(void *st, const uint8_t *recipient_id,
                              size_t recipient_id_len,
                              const struct gkdc_bytes *id_context,
                              uint64_t ssn_bound, uint64_t *stored);
  /* Replaces the opaque replay window. */
  int (*oscctx_set_replay_window)(void *st, const uint8_t *recipient_id,
                                  size_t recipient_id_len,
                                  const struct gkdc_bytes *id_context,
                                  const uint8_t *window, size_t window_len);
  int (*oscctx_delete)(void *st, const uint8_t *recipient_id,
                       size_t recipient_id_len,
                       const struct gkdc_bytes *id_context);
  /* Deletes every OSCORE context, for a profile that does not keep contexts
   * across restarts. */
  int (*oscctx_delete_all)(void *st);
  /* Calls fn for every context, to load them at start. */
  int (*oscctx_list)(void *st, gkdc_store_oscctx_fn fn, void *arg);

  /* ---- groups ---- */

  /*
   * Creates a group from *g: name, gid, master secret and salt, exp, flags,
   * algorithms and config. Fails with GKDC_STORE_E_EXISTS when the name is
   * taken and GKDC_STORE_E_USED when the Gid was ever used. The key version
   * is g->key_version, raised past the last version ever used under that
   * name; *version (may be NULL) receives the value stored. The empty stale
   * Sender ID set of that version is created.
   */
  int (*group_create)(void *st, const struct gkdc_store_group *g,
                      uint64_t *version);
  /* Returns a copy of a group in *out. */
  int (*group_get)(void *st, const char *name, struct gkdc_store_group **out);
  /* Returns a copy of the group whose current Gid is `gid`. */
  int (*group_get_by_gid)(void *st, const uint8_t *gid, size_t gid_len,
                          struct gkdc_store_group **out);
  /* Calls fn for every group, ordered by name. */
  int (*group_list)(void *st, gkdc_store_group_fn fn, void *arg);
  /*
   * Updates the configuration of the group g->name: flags, exp,
   * max_stale_sets, algorithms, sign_params, ecdh_params, config and
   * config_digest. The Gid, key version and secrets are left alone (they
   * change only through group_rekey).
   */
  int (*group_set_config)(void *st, const struct gkdc_store_group *g);
  /*
   * Rekeys a group in one transaction. It records new_gid as used, and
   * fails with GKDC_STORE_E_USED if it ever was. It increments the key
   * version and installs the new Gid, Master Secret, Master Salt and exp.
   * The Sender ID bookkeeping of the new Gid starts with the Sender IDs of
   * the current members, who keep them. The empty stale set of the new
   * version is created, and sets older than the newest max_stale_sets are
   * dropped. *version (may be NULL) receives the new key version.
   */
  int (*group_rekey)(void *st, const char *name, const uint8_t *new_gid,
                     size_t new_gid_len, const uint8_t *master_secret,
                     size_t master_secret_len, const uint8_t *master_salt,
                     size_t master_salt_len, int64_t exp, uint64_t *version);
  /* Deletes a group with its members, Sender IDs and stale sets. Its Gids
   * stay recorded as used and its last key version stays reserved. */
  int (*group_delete)(void *st, const char *name);
  /* *used receives 1 if any group ever used `gid`, else 0. */
  int (*gid_is_used)(void *st, const uint8_t *gid, size_t gid_len, int *used);

  /* ---- Sender IDs ---- */

  /*
   * Allocates a Sender ID never used under the group's current Gid and
   * records it as used, durably (or at the enclosing commit). Candidates are
   * tried in order of length, then value: h'00'..h'ff', h'0000'..h'ffff',
   * and so on up to max_len bytes (1..GKDC_STORE_SID_MAX). Once an
   * allocation is committed, its candidate is never offered again under the
   * same Gid; a rolled-back one may be. Fails with GKDC_STORE_E_EXHAUSTED
   * when none is left and GKDC_STORE_E_TOO_SMALL when `cap` is smaller than
   * the Sender ID. The Sender ID is written to buf and its length to *len.
   */
  int (*sid_allocate)(void *st, const char *group, size_t max_len, uint8_t *buf,
                      size_t cap, size_t *len);
  /* Records a Sender ID chosen by the caller as used under the current Gid.
   * Fails with GKDC_STORE_E_USED if it was used before. */
  int (*sid_claim)(void *st, const char *group, const uint8_t *sid,
                   size_t sid_len);
  /* *used receives 1 if the Sender ID was used under the current Gid. */
  int (*sid_is_used)(void *st, const char *group, const uint8_t *sid,
                     size_t sid_len, int *used);

  /* ---- members ---- */

  /* Inserts a member or replaces the one with the same (group, node_name).
   * Fails with GKDC_STORE_E_NOT_FOUND when the group does not exist,
   * GKDC_STORE_E_EXISTS when another member of the group has the same Sender
   * ID or token, and GKDC_STORE_E_INVALID when the Sender ID was not obtained
   * under the current Gid. A replaced member keeps its first `joined` time.
   * Giving a member a new Sender ID does not make the old one stale: call
   * stale_add() for it in the same transaction. */
  int (*member_put)(void *st, const struct gkdc_store_member *m);
  /* Returns a copy of a member in *out. */
  int (*member_get)(void *st, const char *group, const char *node_name,
                    struct gkdc_store_member **out);
  int (*member_get_by_token)(void *st, const char *group, const uint8_t *token_id,
                             size_t token_id_len, struct gkdc_store_member **out);
  int (*member_get_by_sid)(void *st, const char *group, const uint8_t *sid,
                           size_t sid_len, struct gkdc_store_member **out);
  /* Calls fn for every member of a group, ordered by node name. */
  int (*member_list)(void *st, const char *group, gkdc_store_member_fn fn,
                     void *arg);
  /* Deletes a member. Its Sender ID stays used under the current Gid; add it
   * to the stale set with stale_add() in the same transaction. */
  int (*member_delete)(void *st, const char *group, const char *node_name);

  /* ---- stale Sender ID sets ---- */

  /* Adds a Sender ID to the stale set of the group's current key version.
   * Adding one that is already there succeeds. */
  int (*stale_add)(void *st, const char *group, const uint8_t *sid,
                   size_t sid_len);
  /* Stores in *oldest and *newest the first and last key versions whose
   * stale sets are kept. */
  int (*stale_range)(void *st, const char *group, uint64_t *oldest,
                     uint64_t *newest);
  /* Calls fn for every Sender ID in the stale sets of versions >= min_version,
   * ordered by version then Sender ID. The same Sender ID may appear in
   * several sets. */
  int (*stale_list)(void *st, const char *group, uint64_t min_version,
                    gkdc_store_sid_fn fn, void *arg);

  /* ---- appended operations (check with GKDC_HAS_OP) ---- */

  /* Calls fn for every member of any group bound to a token, ordered by
   * group then node name: the memberships to end when the token expires or
   * is revoked. */
  int (*member_list_by_token)(void *st, const uint8_t *token_id,
                              size_t token_id_len, gkdc_store_member_fn fn,
                              void *arg);
};

/* Returns a static English name of a store error, for logs. */
static inline const char *gkdc_store_error_name(int err) {
  switch (err) {
  case GKDC_STORE_OK: return "ok";
  case GKDC_STORE_E_NOT_FOUND: return "not found";
  case GKDC_STORE_E_EXISTS: return "already exists";
  case GKDC_STORE_E_USED: return "already used";
  case GKDC_STORE_E_EXHAUSTED: return "exhausted";
  case GKDC_STORE_E_INVALID: return "invalid argument";
  case GKDC_STORE_E_STATE: return "invalid transaction state";
  case GKDC_STORE_E_TOO_SMALL: return "buffer too small";
  case GKDC_STORE_E_NOMEM: return "out of memory";
  case GKDC_STORE_E_IO: return "database error";
  default: return "unknown error";
  }
}

#ifdef __cplusplus
}
#endif

#endif /* GKDC_STORE_H */
