/*
 * State shared by the parts of the profile-oscore plugin (not the core).
 */
#ifndef GKDC_PROFILE_OSCORE_INTERNAL_H
#define GKDC_PROFILE_OSCORE_INTERNAL_H

#include <gkdc/host.h>
#include <gkdc/plugin.h>
#include <gkdc/profile.h>

#include "oscore.h"

/* Largest token accepted at /authz-info. */
#define PROFILE_MAX_TOKEN 1024
/* Keys of the AS that the plugin's configuration may list. */
#define PROFILE_MAX_AS_KEYS 8

/* A symmetric key shared with the AS, to decrypt or verify tokens. */
struct as_key {
  uint8_t kid[32];
  size_t kid_len;
  uint8_t key[32];  /* shared with the AS: COSE_Encrypt0 and COSE_Mac0 */
  size_t key_len;   /* 0: none */
  uint8_t pub[65];  /* the AS's public key: COSE_Sign1 */
  size_t pub_len;   /* 0: none */
  int32_t alg; /* 0: any */

  /* Interop switches of this AS, off by default: time claims (exp, nbf,
   * iat, exi) in milliseconds, and the lifetime in seconds given to a
   * token that has neither exp nor exi (0: no lifetime is added). */
  int time_ms;
  int64_t lifetime;
};

/* Peers whose upload rate is tracked at once. */
#define PROFILE_RATE_BUCKETS 32

struct observation;
struct profile_block1;

/* Reasons of the /authz-info log lines that a peer without any
 * credential can cause, each rate-limited on its own. */
enum profile_log_reason {
  PROFILE_LOG_TOKEN_ACCEPTED,
  PROFILE_LOG_TOKEN_INVALID,
  PROFILE_LOG_NOT_ENCRYPTED,
  PROFILE_LOG_CTI_REUSED,
  PROFILE_LOG_RATE_LIMITED,
  PROFILE_LOG_REASON_COUNT
};

/* Interval of the rate-limited log lines: one line per reason each. */
#define PROFILE_LOG_INTERVAL_MS 1000

struct profile_state {
  gkdc_plugin *self;
  const struct gkdc_host_api *host;
  struct gkdc_oscore_ctxset *contexts;

  /* /authz-info configuration; audience NULL disables the route. */
  const char *audience;
  const char *issuer; /* NULL: any */
  struct as_key as_keys[PROFILE_MAX_AS_KEYS];
  size_t as_key_count;

  /* Observations served through OSCORE (profile_observe.c). */
  struct observation *observations;
  int notify_hook_added;

  /* Client sessions, whose contexts also serve requests from their server
   * (profile_client.c). */
  struct gkdc_profile_client *clients;

  /* The periodic sweep of expired tokens (profile_oscore.c). */
  uint64_t sweep_timer;
  int64_t sweep_interval_ms;

  /* The outer Block1 transfer being put together (profile_block.c). */
  struct profile_block1 *block1;

  /* Rate limit of unprotected /authz-info uploads: per peer IP address, a
   * bucket of at most authz_rate_burst uploads, refilled with authz_rate
   * per second (authz_rate 0: no limit). The least recently used bucket
   * makes room for a new address. */
  int64_t authz_rate;
  int64_t authz_rate_burst;
  struct authz_bucket {
    char ip[48];          /* "" for a free bucket */
    int64_t tokens_milli; /* level, in thousandths of an upload */
    uint64_t last_ms;     /* 0: never used */
  } authz_buckets[PROFILE_RATE_BUCKETS];

  /* State of the rate-limited log lines (profile_log_limited()). */
  struct profile_log_limit {
    int logged;            /* a line of this reason was logged */
    uint64_t last_ms;      /* when that line was logged */
    unsigned long suppressed; /* lines dropped since then */
  } log_limits[PROFILE_LOG_REASON_COUNT];
};

/* The token bound to a security context (ctx->user). */
struct bound_token {
  struct gkdc_authz authz; /* profile_data: the security context */
  uint8_t *token_id;
  uint8_t *scope;
  char *audience;
  uint8_t osc_id[32]; /* `id` of the OSCORE input material */
  size_t osc_id_len;

  /* What the store needs to derive the context again after a restart;
   * ms and salt are wiped when freed. */
  uint8_t *ms;
  size_t ms_len;
  uint8_t *salt;
  size_t salt_len;
  int32_t aead_alg;
  int32_t hkdf_alg;

  /* SHA-256 of the decrypted claims: a token posted again has the same
   * digest, another token that reuses the cti has not. */
  uint8_t claims_digest[32];
  int has_digest;

  /* Set on a context made for a token posted again while the token's
   * earlier context is live: the earlier one is removed once this one
   * has verified a request (profile_authz_replace_reposted()). */
  int replaces_pending;
};

/* Step K of the Sender Sequence Number bound kept in the store. */
#define PROFILE_SSN_STEP 64

/* The binding of a protected request for its response. A request of the
 * server (profile_server_req.c) names its context by Recipient ID, since
 * the context may end before the response comes. */
struct gkdc_profile_binding {
  struct gkdc_oscore_request req;
  int server;
  uint8_t recipient_id[GKDC_OSCORE_MAX_ID_LEN];
  size_t recipient_id_len;
};

/* Frees a bound token and wipes its secrets; takes NULL. */
void profile_bound_token_free(void *bt);

/*
 * Persistence in the store plugin, when one is loaded (profile_store.c).
 * Without a store, contexts live in memory only and each returns 1.
 *
 * profile_store_save() stores the token and the new context with a Sender
 * Sequence Number bound, before the 2.01 announces the context.
 * profile_store_ssn() raises the bound before a protection needs it.
 * profile_store_token() replaces the token of an updated context.
 * profile_store_forget() deletes a token and its context.
 * profile_store_load() derives the stored contexts again at start, and
 * profile_store_shutdown() saves their replay windows for the next start.
 */
struct gkdc_cwt_claims;
int profile_store_save(struct profile_state *ps, struct gkdc_oscore_ctx *ctx,
                       struct gkdc_bytes raw_token, const struct gkdc_cwt_claims *c);
int profile_store_ssn(struct profile_state *ps, struct gkdc_oscore_ctx *ctx);
int profile_store_token(struct profile_state *ps, struct gkdc_oscore_ctx *ctx,
                        struct gkdc_bytes raw_token, const struct gkdc_cwt_claims *c);
void profile_store_forget(struct profile_state *ps, const struct bound_token *bt);

/*
 * The cti bookkeeping of a token with `exi` (RFC 9200 section 5.10.3):
 * the cti is the issuer's RS identifier followed by an 8-byte big-endian
 * sequence number. Returns 1 when the sequence number is fresh or the same
 * token is posted again, 0 when it is expired or too old to tell. Without
 * a store every number is taken as fresh.
 */
int profile_store_cti_check(struct profile_state *ps, const struct gkdc_cwt_claims *c);

/*
 * Returns 1 when the store holds a token with the id `token_id` whose
 * claims differ from `claims` (another token that reuses a cti), 0
 * otherwise, also without a store.
 */
int profile_store_cti_reused(struct profile_state *ps, struct gkdc_bytes token_id,
                             struct gkdc_bytes claims);

/* Deletes the stored record of a context (after it was replaced). */
void profile_store_forget_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx);

/* Deletes the expired tokens of the store (raising each issuer's highest
 * expired cti sequence number) and the token of `bt`. */
void profile_store_expired(struct profile_state *ps, const struct bound_token *bt);
int profile_store_load(struct profile_state *ps);
void profile_store_shutdown(struct profile_state *ps);

/* Largest protected request body put together from outer blocks. */
#define PROFILE_BLOCK1_MAX 65536

enum {
  PROFILE_BLOCK1_WHOLE,       /* no Block1 option: use the message as it is */
  PROFILE_BLOCK1_ANSWERED,    /* 2.31 Continue or an error went out */
  PROFILE_BLOCK1_REASSEMBLED  /* *whole is the whole message */
};

/*
 * Outer Block1 of a protected request (profile_block.c). For a message
 * with Block1, keeps its block and answers it (unprotected 2.31, 4.08,
 * 4.13), or, for the last block, sets *whole to the whole message with
 * Block1 and Size1 removed; its payload is borrowed from the plugin
 * state until profile_block1_done(). profile_block1_free() takes NULL.
 */
int profile_block1_take(struct profile_state *ps, gkdc_exchange *x,
                        const struct gkdc_coap_msg *msg, const struct gkdc_peer *peer,
                        struct gkdc_coap_msg *whole);
void profile_block1_done(struct profile_state *ps);
void profile_block1_free(struct profile_block1 *b);

void profile_log(const struct profile_state *ps, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Logs like profile_log(), but at most one line per `reason` every
 * PROFILE_LOG_INTERVAL_MS: a line within the interval is dropped and
 * counted, and the next logged line of that reason ends with the count.
 * Without the host's monotonic clock every line is logged.
 */
void profile_log_limited(struct profile_state *ps, enum profile_log_reason reason, int level,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Reads the /authz-info settings of the plugin's config section:
 * `audience` (string), optional `issuer`, and `as_keys`, a list of
 * { kid = "hex"; key = "hex"; alg = int; }. Returns 1, or 0 after logging
 * an invalid setting.
 */
int profile_authz_configure(struct profile_state *ps);

/* The POST /authz-info handler (route argument: the profile state), and
 * the authz_info_match and authz_lookup operations of the profile table. */
int profile_authz_info(void *arg, const struct gkdc_request *req, struct gkdc_response *resp);
int profile_authz_info_match(void *st, const struct gkdc_request *req);
int profile_authz_lookup(void *st, const struct gkdc_peer *peer, const struct gkdc_authz **out);

/*
 * Removes the other contexts bound to the token of `ctx`, with their
 * observations and stored records, and clears ctx's replaces_pending.
 * Called when a context made for a token posted again has verified its
 * first request.
 */
void profile_authz_replace_reposted(struct profile_state *ps, struct gkdc_oscore_ctx *ctx);

/*
 * Removes the contexts other than `ctx` that are bound to ctx's token and
 * still wait to verify their first request (replaces_pending), with their
 * observations and stored records. Called before a repost adds its own
 * pending context, so that a token has at most two contexts.
 */
void profile_authz_drop_pending(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx);

/* Returns 1 when a live context other than `ctx` is bound to ctx's token
 * (a token posted again), 0 otherwise. */
int profile_authz_has_sibling(const struct profile_state *ps, const struct gkdc_oscore_ctx *ctx);

/*
 * The authorization of a context's bound token for a request at `now`, or
 * NULL when no token is bound. Sets *expired when the token's lifetime is
 * over; the caller then removes the context (after telling the KDC).
 */
const struct gkdc_authz *profile_context_authz(const struct gkdc_oscore_ctx *ctx, int64_t now,
                                               int *expired);

/*
 * Observe through OSCORE (profile_observe.c). profile_observe_available()
 * tells whether the host has the hooks. profile_observe_start() keeps an
 * accepted registration of `inner` on exchange `x` and returns the Observe
 * value of its first response, or 0 when it could not keep it.
 * profile_observe_cancel() drops the observation of the same context and
 * token (a deregistration). profile_observe_changed() is the host's notify
 * hook. The drop functions release observations of a context, or all.
 */
int profile_observe_available(const struct profile_state *ps);
uint32_t profile_observe_start(struct profile_state *ps, gkdc_exchange *x,
                               struct gkdc_oscore_ctx *ctx, const struct gkdc_coap_msg *inner,
                               const struct gkdc_request *req,
                               const struct gkdc_oscore_request *binding);
void profile_observe_cancel(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx,
                            const struct gkdc_coap_msg *inner);
void profile_observe_changed(void *arg, const char *path);
void profile_observe_drop_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx);
/* Ends the observations of a context whose token expired: each gets an
 * unprotected 4.01, then is dropped. */
void profile_observe_end_ctx(struct profile_state *ps, const struct gkdc_oscore_ctx *ctx);
void profile_observe_drop_all(struct profile_state *ps);

/* Requests of the server to a client on its /authz-info context
 * (profile_server_req.c); see <gkdc/profile.h>. */
int profile_server_protect_request(void *st, const struct gkdc_authz *authz,
                                   const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                   uint8_t *buf, size_t cap, gkdc_profile_binding **b);
int profile_server_unprotect_response(void *st, gkdc_profile_binding *b,
                                      const struct gkdc_coap_msg *in,
                                      struct gkdc_coap_msg *out, uint8_t *buf, size_t cap);

/* Client side operations of the profile table (profile_client.c); see
 * <gkdc/profile.h>. */
int profile_client_new(void *st, const struct gkdc_profile_client_args *args,
                       gkdc_profile_client **out);
void profile_client_free(void *st, gkdc_profile_client *c);
int profile_client_authz_info_request(void *st, gkdc_profile_client *c,
                                      const uint8_t *extra, size_t extra_len,
                                      size_t extra_count, uint8_t *out, size_t *out_len);
int profile_client_authz_info_response(void *st, gkdc_profile_client *c,
                                       const uint8_t *payload, size_t len);
int profile_client_protect_request(void *st, gkdc_profile_client *c,
                                   const struct gkdc_coap_msg *in, struct gkdc_coap_msg *out,
                                   uint8_t *buf, size_t cap, gkdc_profile_binding **b);
int profile_client_unprotect_response(void *st, gkdc_profile_client *c,
                                      gkdc_profile_binding *b, const struct gkdc_coap_msg *in,
                                      struct gkdc_coap_msg *out, uint8_t *buf, size_t cap);
void profile_binding_release(void *st, gkdc_profile_binding *b);

/*
 * The context of a client session that receives with (kid, kid context),
 * for a request its server sends to the client. Returns GKDC_OSCORE_OK and
 * sets *out (borrowed from the session), or GKDC_OSCORE_ERR_NO_CONTEXT.
 */
enum gkdc_oscore_status profile_client_find(const struct profile_state *ps,
                                            const struct gkdc_coap_msg *request,
                                            struct gkdc_oscore_ctx **out);

#endif
