/*
 * kdc-groupcomm: internal interfaces between the files of the plugin.
 *
 * The plugin serves the KDC interface of RFC 9594 under one root path.
 * Each configured group gets one prefix route, ROOT/GROUPNAME, whose
 * handler dispatches on the remaining path segments. Durable state lives
 * in the store plugin; what the application profile defines is asked of
 * the appprofile plugin.
 */
#ifndef KDC_INTERNAL_H
#define KDC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gkdc/appprofile.h>
#include <gkdc/cbor.h>
#include <gkdc/credfmt.h>
#include <gkdc/crypto.h>
#include <gkdc/host.h>
#include <gkdc/kdc.h>
#include <gkdc/plugin.h>
#include <gkdc/pop.h>
#include <gkdc/store.h>

/* Sizes of fixed buffers. */
#define KDC_NONCE_LEN 8       /* N_S and N_KDC, RFC 9594 recommends >= 8 */
#define KDC_NONCE_MAX 64      /* largest N_C accepted */
#define KDC_NAME_MAX 64       /* node and group names */
#define KDC_POLICIES_MAX 64   /* encoded group_policies map */
#define KDC_PATH_MAX 256

/* The 4.00 retry body and the token transfer entries stay small. */
#define KDC_SMALL_BUF 512

/* A group the configuration names, with what the store does not keep. */
struct kdc_state;

/* Nodes removed by force that may still observe their node resource. */
#define KDC_EVICTED_MAX 32

struct kdc_evicted {
  char node_name[KDC_NAME_MAX];
  uint8_t token_id[255];
  size_t token_id_len;
};

struct kdc_group {
  struct kdc_state *k;        /* the plugin state whose array contains this group */
  char *name;
  char *path;                 /* ROOT/NAME, the route path */
  uint32_t modes;             /* GKDC_AP_MODE_* from the configuration */
  int64_t cred_fmt;
  int32_t hkdf_alg;
  int32_t gp_enc_alg;
  int32_t sign_alg;
  int32_t aead_alg;
  int32_t ecdh_alg;
  uint32_t max_stale_sets;
  int active;                 /* initial active flag */
  int java_compatible;
  int rekey_on_leave;
  int rekey_on_join;          /* backward security: rekey before each Join Response */
  size_t max_sid_len;         /* 1..GKDC_STORE_SID_MAX */
  int64_t lifetime;           /* seconds of validity of new keying material */
  uint8_t policies[KDC_POLICIES_MAX];
  size_t policies_len;
  uint8_t gid_prefix[8];
  size_t gid_prefix_len;
  /* The Group Manager's credential and private key. */
  uint8_t *gm_cred;
  size_t gm_cred_len;
  gkdc_cred *gm_parsed;
  const struct gkdc_cred_info *gm_info;
  struct gkdc_provider credfmt;
  uint8_t gm_priv[GKDC_MAX_PRIV_LEN];
  size_t gm_priv_len;
  /* The latest forced removals, oldest overwritten first, so that a
   * request of the removed node to its node resource gets 4.04 with
   * error 5 (membership terminated) instead of 4.03. Not durable. */
  struct kdc_evicted evicted[KDC_EVICTED_MAX];
  size_t evicted_next;
  /* The Sender ID of the node whose join caused the rekey to key version
   * `join_rekey_version`, so that the rekeying messages of that version
   * carry its credential (OSCORE profile, section 11.1). Not durable: after
   * a restart the notifications go without it. */
  uint64_t join_rekey_version;
  uint8_t join_rekey_sid[GKDC_STORE_SID_MAX];
  size_t join_rekey_sid_len;
};

struct kdc_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  const char *root;           /* root path, e.g. "ace-group" */
  struct gkdc_provider store_p;
  const struct gkdc_store_ops *store;
  struct gkdc_provider ap_p;
  const struct gkdc_appprofile_ops *ap;
  struct kdc_group *groups;
  size_t group_count;
  int root_route;             /* 1 when the root route was added */
  uint64_t expiry_timer;      /* the timer of kdc_expiry_tick, or 0 */
};

/* ---- kdc_util.c ---- */

void kdc_log(const struct kdc_state *k, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t kdc_now(const struct kdc_state *k);
int kdc_random(const struct kdc_state *k, uint8_t *buf, size_t len);

/* Fills `resp` with `code` and no payload. Returns GKDC_HANDLED. */
int kdc_reply(struct gkdc_response *resp, uint8_t code);
/* Fills `resp` with a problem details body {0: {0: error_id}} (CF 257),
 * plus `detail` (-2) when it is not NULL. Returns GKDC_HANDLED. */
int kdc_reply_problem(struct gkdc_response *resp, uint8_t code, int error_id,
                      const char *detail);
/* Turns an appprofile failure into a response. Returns GKDC_HANDLED. */
int kdc_reply_fail(struct gkdc_response *resp, const struct gkdc_ap_fail *fail);
/* Fills `resp` with `code`, Content-Format `cf` and the encoded payload
 * of `e`, or 5.00 when the encoder failed. Returns GKDC_HANDLED. */
int kdc_reply_enc(struct gkdc_response *resp, uint8_t code, int32_t cf,
                  struct gkdc_cbor_enc *e);

/* Finds a configured group by name; NULL when there is none. */
struct kdc_group *kdc_group_find(const struct kdc_state *k, const char *name,
                                 size_t name_len);
/* Reads a group's store record; 1 when found. */
int kdc_group_load(const struct kdc_state *k, const struct kdc_group *g,
                   struct gkdc_store_group **out);

/* The group's cryptographic settings and the PoP provider they select. */
int kdc_group_pop(const struct kdc_state *k, const struct gkdc_store_group *rec,
                  const struct kdc_group *g, struct gkdc_ap_group_crypto *cx,
                  struct gkdc_pop_params *params, struct gkdc_provider *pop);

/* Parses `bytes` with the group's credential format. On failure *err
 * receives an enum gkdc_cred_err. */
int kdc_cred_parse(const struct kdc_state *k, int64_t cred_fmt,
                   const uint8_t *bytes, size_t len,
                   struct gkdc_provider *fmt, gkdc_cred **out, int *err);

/* Writes the group's sign_info entry (`ecdh` 0) or ecdh_info entry (`ecdh`
 * 1), [name, alg, alg_capab, key_capab, cred_fmt], as the appprofile
 * builds it. Stores an error in `e` when the group does not use the mode. */
void kdc_put_info_entry(const struct kdc_state *k, struct gkdc_cbor_enc *e,
                        const struct gkdc_store_group *rec, int ecdh);

/* Writes kdc_cred (17), kdc_nonce (18) and kdc_cred_verify (19) over N_C
 * and a fresh N_KDC as three pairs into `e`. `force_sign` selects a
 * signature whatever the group's mode (FETCH for verifiers). Returns 1. */
int kdc_put_kdc_pop(const struct kdc_state *k, const struct kdc_group *g,
                    const struct gkdc_store_group *rec, struct gkdc_bytes n_c,
                    const struct gkdc_cred_info *peer, int force_sign,
                    struct gkdc_cbor_enc *e);

/* 1 when the store's last error is `code`. */
int kdc_store_err_is(const struct kdc_state *k, int code);

/* ---- kdc_config.c ---- */

/* Reads the plugin's config section, checks every group, and creates the
 * groups that the store does not have. Returns 1, or 0 after logging why. */
int kdc_config_load(struct kdc_state *k);
void kdc_config_free(struct kdc_state *k);

/* ---- kdc_handlers.c ---- */

/* The route handlers: `arg` is the kdc_state (root) or the kdc_group. */
int kdc_handle_root(void *arg, const struct gkdc_request *req,
                    struct gkdc_response *resp);
int kdc_handle_group(void *arg, const struct gkdc_request *req,
                     struct gkdc_response *resp);

/* ---- kdc_join.c ---- */

/* The request context every group handler builds first. */
struct kdc_ctx {
  struct kdc_state *k;
  struct kdc_group *g;
  const struct gkdc_request *req;
  const struct gkdc_authz *authz;
  struct gkdc_store_group *rec;       /* the group's store record */
  int has_grant;
  uint64_t granted;                   /* the token's roles in this group */
  struct gkdc_store_member *mrec;     /* the requester's membership or NULL */
  gkdc_cred *mcred;                   /* its parsed credential or NULL */
  struct gkdc_provider mcred_fmt;
  struct gkdc_ap_member member;
};

int kdc_join(struct kdc_ctx *c, struct gkdc_response *resp);

/*
 * Checks a new credential and its PoP evidence against the group: format,
 * key algorithm, the appprofile's extra checks, and the evidence over
 * CBOR_bstr(scope) | CBOR_bstr(N_S) | CBOR_bstr(N_C) with the N_S stored
 * with the requester's token. On success *out is the parsed credential
 * (free it with fmt's free). On failure `resp` holds the error (4.00 with
 * a fresh kdcchallenge when none is stored) and 0 is returned.
 */
int kdc_check_cred_pop(struct kdc_ctx *c, struct gkdc_bytes cred,
                       struct gkdc_bytes scope, struct gkdc_bytes n_c,
                       struct gkdc_bytes evidence, gkdc_cred **out,
                       struct gkdc_provider *fmt, struct gkdc_response *resp);

/* Writes the pairs of a key distribution map for `context` into the map
 * the caller opened in `e`: gkty, key, num, ace_groupcomm_profile, exp and
 * exi when the keying material expires, and the appprofile's extra
 * parameters. `member` is the recipient (NULL for non-members); `*pairs`
 * grows by the number written. */
int kdc_put_key_dist(struct kdc_ctx *c, int context,
                     const struct gkdc_ap_member *member,
                     struct gkdc_cbor_enc *e, size_t *pairs);

/* A get_creds filter (RFC 9594 section 4.3.1). */
struct kdc_filter {
  int all;                  /* every member with a credential */
  int inclusion;            /* the inclusion flag */
  const uint64_t *roles;    /* role_filter entries (Tperm values) */
  size_t role_count;
  const struct gkdc_bytes *ids; /* id_filter entries */
  size_t id_count;
  const char *exclude_node; /* a node never listed (the requester), or NULL */
};

/* Writes creds (13), peer_roles (14) and peer_identifiers (15) of the
 * members the filter selects, as three pairs (`*pairs` grows by 3, even
 * when no member matched), in join order: by first join time, then by
 * node name with digit runs compared by value. Pre-provisioned members
 * count as joined before the group's first node, in their listed order.
 * *matched receives the number of members. */
int kdc_put_creds(struct kdc_ctx *c, const struct kdc_filter *f,
                  struct gkdc_cbor_enc *e, size_t *pairs, size_t *matched);

/* Parses a get_creds value (the decoder is on it) into `f`, whose role
 * and id arrays are the caller's `roles` (`role_cap` entries) and `ids`
 * (`id_cap` entries). Returns 0 for a malformed value or one with more
 * entries than fit. */
int kdc_parse_get_creds(struct gkdc_cbor_dec *d, struct kdc_filter *f,
                        uint64_t *roles, size_t role_cap, struct gkdc_bytes *ids,
                        size_t id_cap, int *is_null);

/* Commits an open transaction; on failure rolls back. */
int kdc_commit(const struct kdc_state *k);
void kdc_rollback(const struct kdc_state *k);

/* ---- kdc_token.c ---- */

int kdc_token_transfer(void *st, const struct gkdc_kdc_token_transfer *tt,
                       uint8_t *entries, size_t *entries_len,
                       size_t *entry_count, int *err);
int kdc_token_end(void *st, struct gkdc_bytes token_id, int reason,
                  const struct gkdc_authz *new_authz);
/* Draws a new N_S for `token_id` and stores it. */
int kdc_new_challenge(const struct kdc_state *k, struct gkdc_bytes token_id,
                      uint8_t n_s[KDC_NONCE_LEN]);

/* ---- kdc_client.c: the joining node's operations of struct gkdc_kdc_ops ---- */

int kdc_join_request_build(void *st, const struct gkdc_kdc_join_args *args,
                           uint8_t *out, size_t *out_len, int *err);
int kdc_key_dist_parse(void *st, const uint8_t *payload, size_t payload_len,
                       struct gkdc_kdc_key_dist *out, int *err);
int kdc_token_transfer_request(void *st, uint32_t ask, uint8_t *entries,
                               size_t *entries_len, size_t *entry_count, int *err);
int kdc_token_transfer_response_parse(void *st, const uint8_t *payload,
                                      size_t payload_len,
                                      struct gkdc_kdc_token_transfer_info *out,
                                      int *err);

/* ---- kdc_rekey.c ---- */

/* Rekeys `g` for `reason` (enum gkdc_rekey_reason): new keying material,
 * committed to the store, then a notification to the observers of the
 * group resource. */
int kdc_rekey_group(struct kdc_state *k, struct kdc_group *g, int reason);
/* Rekeys `g` for GKDC_REKEY_EXPIRY when the keying material of *rec has
 * passed its exp, or is about to (a tenth of the lifetime before, at most
 * a minute). Then *rec is replaced by the new record (the old one freed).
 * Returns 1 when *rec is current, 0 when the rekey failed (*rec unchanged). */
int kdc_rekey_if_expired(struct kdc_state *k, struct kdc_group *g,
                         struct gkdc_store_group **rec);
/* The periodic timer's callback (`arg` is the kdc_state): rekeys each
 * group whose keying material expired, so idle groups renew it too. */
void kdc_expiry_tick(void *arg);
/* Removes a member (leave, eviction, expired token) in one transaction. */
int kdc_member_remove(struct kdc_state *k, struct kdc_group *g,
                      const char *node_name, int forced);
/* 1 when token `token_id` was bound to node `node_name` of `g` when the
 * KDC removed that node by force. */
int kdc_evicted_find(const struct kdc_group *g, const struct gkdc_bytes *node_name,
                     struct gkdc_bytes token_id);
/* Forgets the forced removals of token `token_id` (it joined again). */
void kdc_evicted_forget(struct kdc_group *g, struct gkdc_bytes token_id);

#endif /* KDC_INTERNAL_H */
